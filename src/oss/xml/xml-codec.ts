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

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Text is significant (a prefix `"logs/ "`, an id with a leading space, a blank prefix): nothing is
  // trimmed. The indentation of pretty-printed XML lands in `#text` keys of elements that have
  // children, and `dropLayoutText` removes those.
  trimValues: false,
  removeNSPrefix: false,
  maxNestedTags: 64,
  transformTagName: (name) => (RESERVED_NAMES.has(name) ? `${RESERVED_PREFIX}${name}` : name),
  tagValueProcessor: (_name, value) => decodeXmlText(value),
});

const DTD_PATTERN = /<!(DOCTYPE|ENTITY)/i;
const TEXT_KEY = '#text';

/**
 * Removes the text that sits between child elements (indentation of pretty-printed XML; OSS never
 * mixes text and elements), in place, so an element is either its exact text or its children.
 */
function dropLayoutText(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(dropLayoutText);
    return;
  }
  if (isElement(node)) {
    delete node[TEXT_KEY];
    Object.values(node).forEach(dropLayoutText);
  }
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
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (cause) {
    throw new OssClientError('MalformedResponse', 'Response body could not be parsed as XML', { cause });
  }
  dropLayoutText(parsed);
  const names = isElement(parsed) ? Object.keys(parsed) : [];
  if (names.length !== 1) {
    throw new OssClientError('MalformedResponse', 'Response body has no single XML root element');
  }
  const name = names[0];
  const content = (parsed as XmlElement)[name];
  if (Array.isArray(content)) {
    throw new OssClientError('MalformedResponse', 'Response body has more than one root element');
  }
  return { name, content };
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
