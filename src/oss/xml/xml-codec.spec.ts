import { describe, expect, it } from 'vitest';
import { OssClientError } from '../errors.js';
import {
  asArray,
  buildXml,
  childElement,
  children,
  childText,
  childTexts,
  decodeXmlText,
  escapeXmlText,
  parseXml,
  parseXmlDocument,
} from './xml-codec.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof OssClientError ? error.code : `not an OssClientError: ${String(error)}`;
  }
  return undefined;
}

describe('parseXml', () => {
  it('keeps every value as a string', () => {
    const root = parseXml('<?xml version="1.0"?><P><N>0.85</N><B>true</B><Z>007</Z></P>', 'P');
    expect(root).toEqual({ N: '0.85', B: 'true', Z: '007' });
  });

  it('decodes predefined entities and character references but never expands DTD entities', () => {
    const root = parseXml('<R><A>a&amp;b &lt;c&gt; &quot;&apos; &#65;&#x42; &amp;lt;</A></R>', 'R');
    expect(childText(root, 'A')).toBe('a&b <c> "\' AB &lt;');
    expect(codeOf(() => parseXml('<!DOCTYPE R [<!ENTITY x "boom">]><R>&x;</R>', 'R'))).toBe(
      'MalformedResponse',
    );
    expect(codeOf(() => parseXml('<!doctype R SYSTEM "file:///etc/passwd"><R/>', 'R'))).toBe(
      'MalformedResponse',
    );
  });

  it('refuses a body whose root is not the expected element', () => {
    expect(codeOf(() => parseXml('<Rule><ID>x</ID></Rule>', 'ReplicationConfiguration'))).toBe(
      'UnexpectedRoot',
    );
  });

  it('refuses truncated, mismatched, multi-root and non-XML bodies', () => {
    expect(codeOf(() => parseXml('<ReplicationConfiguration><Rule><ID>x', 'ReplicationConfiguration'))).toBe(
      'MalformedResponse',
    );
    expect(codeOf(() => parseXml('<A><B>x</C></A>', 'A'))).toBe('MalformedResponse');
    expect(codeOf(() => parseXml('<A>1</A><A>2</A>', 'A'))).toBe('MalformedResponse');
    expect(codeOf(() => parseXml('not xml', 'A'))).toBe('MalformedResponse');
    expect(codeOf(() => parseXml('', 'A'))).toBe('MalformedResponse');
  });

  it('makes __proto__, constructor and prototype element names harmless', () => {
    const root = parseXml(
      '<R><__proto__><polluted>yes</polluted></__proto__><constructor>c</constructor><prototype>p</prototype><ID>1</ID></R>',
      'R',
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(childText(root, 'ID')).toBe('1');
    expect(children(root, '__proto__')).toEqual([]);
    expect(childText(root, 'constructor')).toBeUndefined();
  });

  it('ignores attributes and namespaces declarations', () => {
    const root = parseXml(
      '<Error xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Code a="1">X</Code></Error>',
      'Error',
    );
    expect(childText(root, 'Code')).toBe('X');
  });

  it('keeps leading, trailing and whitespace-only text exactly as sent', () => {
    const root = parseXml(
      '<Rule><ID> rule-1</ID><PrefixSet><Prefix>logs/ </Prefix><Prefix> </Prefix><Prefix>\tx\n</Prefix></PrefixSet></Rule>',
      'Rule',
    );
    expect(childText(root, 'ID')).toBe(' rule-1');
    expect(childTexts(childElement(root, 'PrefixSet'), 'Prefix')).toEqual(['logs/ ', ' ', '\tx\n']);
  });

  it('drops the indentation of pretty-printed XML, so containers stay elements and values stay exact', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Progress>\n  <Rule>\n    <ID>r</ID>\n    <Empty>\n    </Empty>\n' +
        '    <N>0.85</N>\n    <B>true</B>\n  </Rule>\n  <Rule>\n    <ID>s</ID>\n  </Rule>\n</Progress>\n',
      'Progress',
    );
    expect(root).toEqual({
      Rule: [{ ID: 'r', Empty: '\n    ', N: '0.85', B: 'true' }, { ID: 's' }],
    });
    const first = children(root, 'Rule')[0];
    expect(childElement(first, 'Empty')).toEqual({});
    expect(Number(childText(first, 'N'))).toBe(0.85);
    expect(childText(first, 'B')).toBe('true');
    expect(childElement(parseXml('<R>\n  <C>\n  </C>\n</R>', 'R'), 'C')).toEqual({});
  });

  it('takes CDATA literally, joined with the text around it', () => {
    expect(parseXml('<R><A>a&amp;<![CDATA[<b>&amp;]]>c</A></R>', 'R')).toEqual({ A: 'a&<b>&amp;c' });
  });

  it('keeps repeated children in document order, as arrays, beside single ones', () => {
    const root = parseXml('<R>\n <A>1</A>\n <B/>\n <A>2</A>\n <A>3</A>\n</R>', 'R');
    expect(root).toEqual({ A: ['1', '2', '3'], B: '' });
    // Names of Object.prototype's methods are renamed by fast-xml-parser; they never shadow them.
    const odd = parseXml('<R><toString>x</toString><valueOf>y</valueOf><ID>1</ID></R>', 'R');
    expect([childText(odd, 'toString'), childText(odd, 'ID'), typeof odd.valueOf]).toEqual([
      undefined,
      '1',
      'function',
    ]);
  });

  it('returns an empty string for an empty root', () => {
    expect(parseXmlDocument('<ReplicationConfiguration/>')).toEqual({
      name: 'ReplicationConfiguration',
      content: '',
    });
  });
});

describe('child accessors', () => {
  it('read one or many children as arrays', () => {
    const one = parseXml('<S><P>a</P></S>', 'S');
    const many = parseXml('<S><P>a</P><P>b</P></S>', 'S');
    expect(childTexts(one, 'P')).toEqual(['a']);
    expect(childTexts(many, 'P')).toEqual(['a', 'b']);
    expect(childTexts(one, 'Missing')).toEqual([]);
    expect(asArray(undefined)).toEqual([]);
    expect(asArray('x')).toEqual(['x']);
    expect(asArray(['x', 'y'])).toEqual(['x', 'y']);
  });

  it('treat an empty container as an element and reject text where elements are expected', () => {
    const root = parseXml('<R><PrefixSet/><Destination>text</Destination></R>', 'R');
    expect(childElement(root, 'PrefixSet')).toEqual({});
    expect(() => childElement(root, 'Destination')).toThrow(OssClientError);
    expect(() => childText(parseXml('<R><A><B>1</B></A></R>', 'R'), 'A')).toThrow(OssClientError);
  });
});

describe('buildXml', () => {
  it('escapes text and writes children in key order, repeating arrays and omitting undefined', () => {
    const xml = buildXml(
      'ReplicationConfiguration',
      { Rule: { ID: `a&b<c>"d'`, PrefixSet: { Prefix: ['x', 'y'] }, SyncRole: undefined, Action: 'ALL' } },
      { declaration: false },
    );
    expect(xml).toBe(
      '<ReplicationConfiguration><Rule><ID>a&amp;b&lt;c&gt;&quot;d&apos;</ID>' +
        '<PrefixSet><Prefix>x</Prefix><Prefix>y</Prefix></PrefixSet><Action>ALL</Action></Rule></ReplicationConfiguration>',
    );
  });

  it('round-trips hostile text through parse', () => {
    const hostile = `</ID><ID>injected</ID><!-- & ]]> &amp;`;
    const xml = buildXml('R', { ID: hostile });
    expect(childText(parseXml(xml, 'R'), 'ID')).toBe(hostile);
  });

  it('refuses invalid or reserved element names', () => {
    expect(() => buildXml('R', { 'a b': 'x' })).toThrow(OssClientError);
    expect(() => buildXml('R', JSON.parse('{"__proto__": "x"}'))).toThrow(OssClientError);
    expect(() => buildXml('<R>', {})).toThrow(OssClientError);
  });

  it('emits the XML declaration by default', () => {
    expect(buildXml('R', {})).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<R></R>');
  });

  it('exposes the text helpers', () => {
    expect(escapeXmlText('<&>')).toBe('&lt;&amp;&gt;');
    expect(decodeXmlText('&unknown; &#x110000;')).toBe('&unknown; &#x110000;');
  });
});

describe('buildXml with a text root', () => {
  it('escapes the text of the root element', () => {
    expect(buildXml('LocationConstraint', 'oss-cn-<x>', { declaration: false })).toBe(
      '<LocationConstraint>oss-cn-&lt;x&gt;</LocationConstraint>',
    );
  });
});
