/**
 * Wildcard patterns as RAM uses them: `*` matches any run of characters (including none, and across `:`
 * and `/`), `?` exactly one character; everything else is literal; patterns are anchored at both ends.
 *
 * Matching is linear-time in practice and O(pattern × input) in the worst case (no regular expressions,
 * so a hostile pattern in a simulated policy cannot cause catastrophic backtracking).
 */

export interface GlobMatcher {
  /** The pattern as compiled (already case-folded when compiled case-insensitively). */
  readonly pattern: string;
  /** True when the pattern has no wildcard: it matches exactly `pattern`. */
  readonly literal: boolean;
  /** `input` must already be case-folded the same way as the pattern. */
  test(input: string): boolean;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Backtracking-to-last-star match over code units (or code points, when given arrays). */
function wildcardMatch(p: ArrayLike<string>, s: ArrayLike<string>): boolean {
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  const pn = p.length;
  const sn = s.length;
  while (si < sn) {
    if (pi < pn && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === s[si]))) {
      pi++;
      si++;
    } else if (pi < pn && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < pn && p[pi] === '*') {
    pi++;
  }
  return pi === pn;
}

const QUESTION = 63; // '?'

/** Whether `chunk` (literal characters and `?`) matches `input` at `at`. */
function chunkAt(input: string, at: number, chunk: string): boolean {
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk.charCodeAt(i);
    if (c !== QUESTION && c !== input.charCodeAt(at + i)) {
      return false;
    }
  }
  return true;
}

/**
 * The pattern split at its stars into chunks: the first chunk anchors the start, the last the end, and the
 * middle ones are found left to right, each at its leftmost position (which is optimal for star-separated
 * chunks). Chunks without `?` use the native string search.
 */
function chunked(pattern: string): (input: string) => boolean {
  const chunks = pattern.split('*');
  const first = chunks[0];
  const last = chunks.length > 1 ? chunks[chunks.length - 1] : '';
  const middle = chunks.slice(1, -1).filter((c) => c !== '');
  const minLength = first.length + last.length + middle.reduce((n, c) => n + c.length, 0);
  const hasQuestion = pattern.includes('?');
  const hasStar = chunks.length > 1;
  const patternPoints = SURROGATE.test(pattern) ? Array.from(pattern) : undefined;

  if (!hasQuestion && patternPoints === undefined) {
    return (input) => {
      if (input.length < minLength || !input.startsWith(first) || !input.endsWith(last)) {
        return false;
      }
      let position = first.length;
      const end = input.length - last.length;
      for (const chunk of middle) {
        const at = input.indexOf(chunk, position);
        if (at < 0 || at + chunk.length > end) {
          return false;
        }
        position = at + chunk.length;
      }
      return true;
    };
  }
  return (input) => {
    if (patternPoints !== undefined || SURROGATE.test(input)) {
      // `?` is one character: compare code points, not UTF-16 units.
      return wildcardMatch(patternPoints ?? Array.from(pattern), Array.from(input));
    }
    if (hasStar ? input.length < minLength : input.length !== first.length) {
      return false;
    }
    const end = input.length - last.length;
    if (!chunkAt(input, 0, first) || !chunkAt(input, end, last)) {
      return false;
    }
    let position = first.length;
    for (const chunk of middle) {
      let at = position;
      while (at + chunk.length <= end && !chunkAt(input, at, chunk)) {
        at++;
      }
      if (at + chunk.length > end) {
        return false;
      }
      position = at + chunk.length;
    }
    return true;
  };
}

/** Compiles a pattern; `ignoreCase` folds the pattern to lower case (the caller folds inputs). */
export function compileGlob(raw: string, ignoreCase: boolean): GlobMatcher {
  const pattern = ignoreCase ? raw.toLowerCase() : raw;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return { pattern, literal: true, test: (input) => input === pattern };
  }
  if (/^\*+$/.test(pattern)) {
    return { pattern, literal: false, test: () => true };
  }
  return { pattern, literal: false, test: chunked(pattern) };
}

/** Whether a string contains a wildcard character. */
export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}
