/** The deepest nesting of objects and arrays a JSON body may have (DESIGN §9); deeper is 400. */
export const MAX_JSON_DEPTH = 32;

/** The most object keys a JSON body may have, counted over the whole body (DESIGN §9); more is 400. */
export const MAX_JSON_KEYS = 1_000;

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COLON = 0x3a; // :

/** The index of the quote that closes the string opened at `open`, or -1 when it is not closed. */
function endOfString(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) {
      backslashes += 1;
    }
    if (backslashes % 2 === 0) {
      return end;
    }
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * Checks the raw text of a JSON body against the depth and key limits before it is parsed, in one
 * pass and without recursion (a body 100,000 levels deep costs a loop, not a stack). It counts a key
 * at each `:` outside strings; a text that is not JSON at all is left to the parser to refuse.
 * Returns what is wrong, or undefined when the body is within the limits.
 */
export function jsonLimitProblem(
  text: string,
  maxDepth = MAX_JSON_DEPTH,
  maxKeys = MAX_JSON_KEYS,
): string | undefined {
  let depth = 0;
  let keys = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end === -1) {
        return undefined;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) {
        return `The body is nested deeper than the limit of ${maxDepth} levels of objects and arrays.`;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
    } else if (c === COLON) {
      keys += 1;
      if (keys > maxKeys) {
        return `The body has more object keys than the limit of ${maxKeys}.`;
      }
    }
  }
  return undefined;
}
