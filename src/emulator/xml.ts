import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed XML element: name, text content (concatenated, untrimmed) and child elements in document order. */
export interface XmlElement {
  readonly name: string;
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

type OrderedNode = Record<string, unknown>;

function toElement(name: string, raw: unknown): XmlElement {
  const children: XmlElement[] = [];
  let text = '';
  if (Array.isArray(raw)) {
    for (const item of raw as OrderedNode[]) {
      for (const key of Object.keys(item)) {
        if (key === '#text') {
          text += String(item[key]);
        } else if (key !== ':@') {
          children.push(toElement(key, item[key]));
        }
      }
    }
  }
  return { name, text, children };
}

/**
 * Parses an XML document into a tree of elements. Values stay strings, attributes are ignored,
 * DTDs (and therefore custom entities) are refused.
 */
export function parseXml(body: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
    throw new XmlParseError('DTDs are not allowed');
  }
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw new XmlParseError(valid.err.msg);
  }
  const nodes = parser.parse(body) as OrderedNode[];
  const roots: XmlElement[] = [];
  for (const node of nodes) {
    for (const key of Object.keys(node)) {
      if (key !== '#text' && key !== ':@') {
        roots.push(toElement(key, node[key]));
      }
    }
  }
  if (roots.length !== 1) {
    throw new XmlParseError('an XML document must have exactly one root element');
  }
  return roots[0];
}

export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}

export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((c) => c.name === name);
}

/** Text of the first child with that name, exactly as sent (whitespace is significant), or undefined when absent. */
export function childText(parent: XmlElement, name: string): string | undefined {
  return childElement(parent, name)?.text;
}

/** A node for the response builder: an element with text or children. */
export interface XmlNode {
  name: string;
  text?: string;
  children?: Array<XmlNode | undefined | false>;
}

export function el(name: string, content?: string | Array<XmlNode | undefined | false>): XmlNode {
  if (content === undefined) {
    return { name, children: [] };
  }
  return typeof content === 'string' ? { name, text: content } : { name, children: content };
}

/** Escapes text content (quotes stay literal, as OSS writes `<ETag>"…"</ETag>`). */
export function escapeXml(value: string): string {
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function write(node: XmlNode, out: string[]): void {
  out.push('<', node.name, '>');
  if (node.text !== undefined) {
    out.push(escapeXml(node.text));
  } else if (node.children) {
    for (const child of node.children) {
      if (child) {
        write(child, out);
      }
    }
  }
  out.push('</', node.name, '>');
}

/** Serialises a document with the XML declaration OSS puts on its responses. */
export function buildXml(root: XmlNode): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(root, out);
  return out.join('');
}
