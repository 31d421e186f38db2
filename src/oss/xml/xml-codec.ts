import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OssClientError } from '../errors.js';

/** A parsed element: text (`''` when empty) or an object of children; repeated children become arrays. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode | XmlNode[];
}

/** Element names JavaScript treats specially; they are renamed on parse so they can never reach a prototype. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_PREFIX = '#reserved:';
const DTD_PATTERN = /<!(DOCTYPE|ENTITY)/i;
const TEXT_KEY = '#text';
const CDATA_KEY = '#cdata';

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined XML entities and numeric character references in one pass. */
export function decodeXmlText(value: string): string {
  if (!value.includes('&')) {
    return value;
  }
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (match, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return PREDEFINED_ENTITIES[ref] ?? match;
  });
}

/**
 * The document in order (`preserveOrder`): one `{ name: children }` or `{ '#text': text }` entry per
 * node, which `toNode` folds into our shape in one walk. Entities are left alone (`processEntities:
 * false`: a DTD can never expand) and `decodeXmlText` decodes the predefined ones; CDATA arrives under
 * its own key and is taken literally. The well-formedness check is `XMLValidator`'s: the parser alone
 * accepts mismatched and unclosed tags.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA_KEY,
  // Text is significant (a prefix `"logs/ "`, an id with a leading space, a blank prefix): nothing is
  // trimmed. The indentation of pretty-printed XML between child elements is dropped by `toNode`.
  trimValues: false,
  removeNSPrefix: false,
  maxNestedTags: 64,
  // Callbacks get the matcher, not a path string built for every tag.
  jPath: false,
  transformTagName: (name) => (RESERVED_NAMES.has(name) ? `${RESERVED_PREFIX}${name}` : name),
});

/** One entry of the parser's ordered output: an element (its name → its content) or a text/CDATA node. */
type OrderedEntry = Record<string, OrderedEntry[] | string>;

/**
 * Folds an element's ordered content into an `XmlNode`: its exact text when it holds no element,
 * else its child elements (repeated names become arrays, in document order) without the text between
 * them (indentation of pretty-printed XML; OSS never mixes text and elements).
 */
function toNode(content: OrderedEntry[]): XmlNode {
  let text = '';
  let element: XmlElement | undefined;
  for (const entry of content) {
    const textValue = entry[TEXT_KEY];
    if (textValue !== undefined) {
      text += decodeXmlText(textValue as string);
      continue;
    }
    const cdata = entry[CDATA_KEY];
    if (cdata !== undefined) {
      for (const piece of cdata as OrderedEntry[]) {
        text += piece[TEXT_KEY] as string;
      }
      continue;
    }
    for (const name of Object.keys(entry)) {
      const child = toNode(entry[name] as OrderedEntry[]);
      element ??= {};
      // Own properties only: an element may be called `toString` or `valueOf`.
      const previous = Object.hasOwn(element, name) ? element[name] : undefined;
      if (previous === undefined) {
        element[name] = child;
      } else if (Array.isArray(previous)) {
        previous.push(child);
      } else {
        element[name] = [previous, child];
      }
    }
  }
  return element ?? text;
}

/** An element that should hold children but holds only layout whitespace (`<Rule>\n</Rule>`). */
function isBlank(node: XmlNode): boolean {
  return typeof node === 'string' && node.trim() === '';
}

/**
 * Parses an OSS XML body with all values kept as strings, refusing DTDs/entity declarations and
 * malformed documents, and returns the content of the root element.
 * @throws OssClientError `MalformedResponse` (not well-formed, DTD) or `UnexpectedRoot`.
 */
export function parseXml(body: string | Buffer, expectedRoot: string): XmlNode {
  const root = parseXmlDocument(body);
  if (root.name !== expectedRoot) {
    throw new OssClientError(
      'UnexpectedRoot',
      `Expected XML root <${expectedRoot}> but the response has <${root.name}>`,
    );
  }
  return root.content;
}

/** Parses a document and returns its single root element's name and content. */
export function parseXmlDocument(body: string | Buffer): { name: string; content: XmlNode } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (DTD_PATTERN.test(text)) {
    throw new OssClientError('MalformedResponse', 'XML with a DOCTYPE or ENTITY declaration is refused');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new OssClientError(
      'MalformedResponse',
      `Response body is not well-formed XML (${valid.err.code} at line ${valid.err.line})`,
    );
  }
  let parsed: OrderedEntry[];
  try {
    parsed = parser.parse(text) as OrderedEntry[];
  } catch (cause) {
    throw new OssClientError('MalformedResponse', 'Response body could not be parsed as XML', { cause });
  }
  // Text around the root (the newline after the declaration) is layout; what is left are elements.
  const roots = parsed.filter((entry) => entry[TEXT_KEY] === undefined);
  const names = roots.length === 1 ? Object.keys(roots[0]) : [];
  if (names.length !== 1) {
    throw new OssClientError(
      'MalformedResponse',
      roots.length > 1
        ? 'Response body has more than one root element'
        : 'Response body has no single XML root element',
    );
  }
  const name = names[0];
  return { name, content: toNode(roots[0][name] as OrderedEntry[]) };
}

export function isElement(node: unknown): node is XmlElement {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** Children of `node` named `name`, always as an array (absent → `[]`). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!isElement(node) || !Object.hasOwn(node, name)) {
    return [];
  }
  const value = node[name];
  return Array.isArray(value) ? value : [value];
}

/** `undefined`/single/array → array. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/**
 * The single child element `name` (first when repeated), or undefined. An empty element (or one
 * holding only whitespace, as pretty-printed XML writes an empty container) yields `{}`.
 */
export function childElement(node: XmlNode | undefined, name: string): XmlElement | undefined {
  const first = children(node, name)[0];
  if (first === undefined) {
    return undefined;
  }
  if (isBlank(first)) {
    return {};
  }
  if (!isElement(first)) {
    throw new OssClientError('MalformedResponse', `Element <${name}> should contain elements, not text`);
  }
  return first;
}

/** Text of the single child `name` (first when repeated), or undefined when absent. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const first = children(node, name)[0];
  if (first === undefined) {
    return undefined;
  }
  if (typeof first !== 'string') {
    throw new OssClientError('MalformedResponse', `Element <${name}> should contain text`);
  }
  return first;
}

/** Texts of all children `name`. */
export function childTexts(node: XmlNode | undefined, name: string): string[] {
  return children(node, name).map((child) => {
    if (typeof child !== 'string') {
      throw new OssClientError('MalformedResponse', `Element <${name}> should contain text`);
    }
    return child;
  });
}

/** Text of a required child; a missing element is a malformed response. */
export function requiredText(node: XmlNode | undefined, name: string, context: string): string {
  const value = childText(node, name);
  if (value === undefined) {
    throw new OssClientError('MalformedResponse', `${context}: missing <${name}>`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Builder

/** Build input: text, an ordered object of children, an array (repeated element) or undefined (omitted). */
export type XmlBuildValue = string | number | boolean | undefined | null | XmlBuildObject | XmlBuildValue[];
export interface XmlBuildObject {
  [name: string]: XmlBuildValue;
}

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes `& < > " '` for element text. */
export function escapeXmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function assertName(name: string): void {
  if (!NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) {
    throw new OssClientError('InvalidArgument', `Invalid XML element name: ${JSON.stringify(name)}`);
  }
}

function writeElement(out: string[], name: string, value: XmlBuildValue): void {
  if (value === undefined || value === null) {
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      writeElement(out, name, item);
    }
    return;
  }
  assertName(name);
  if (typeof value === 'object') {
    out.push('<', name, '>');
    for (const childName of Object.keys(value)) {
      writeElement(out, childName, value[childName]);
    }
    out.push('</', name, '>');
    return;
  }
  out.push('<', name, '>', escapeXmlText(String(value)), '</', name, '>');
}

/**
 * Builds `<?xml …?><root>…</root>` from an ordered object (or a text). Every text value is escaped; element
 * names are checked. Children are written in the object's key order.
 */
export function buildXml(
  root: string,
  content: XmlBuildObject | string,
  options: { declaration?: boolean } = {},
): string {
  const out: string[] = [];
  if (options.declaration ?? true) {
    out.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }
  writeElement(out, root, content);
  return out.join('');
}
