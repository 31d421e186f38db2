import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob } from './glob.js';

/** Fixed so runs are reproducible; change it to explore other inputs. */
const PROPERTY_SEED = 0x5eed_2026;

/** Reference semantics: the pattern as an anchored regular expression. */
function referenceMatch(pattern: string, input: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'su').test(input);
}

describe(compileGlob.name, () => {
  it('agrees with the regular-expression reading on every shape of pattern', () => {
    const alphabet = fc.constantFrom('a', 'b', ':', '/', '*', '?', '😀');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', ':', '/', '😀'), { maxLength: 10 }),
        (p, s) => {
          const pattern = p.join('');
          const input = s.join('');
          expect(compileGlob(pattern, false).test(input)).toBe(referenceMatch(pattern, input));
        },
      ),
      { numRuns: 3000, seed: PROPERTY_SEED },
    );
  });

  it('matches a star across colons and slashes', () => {
    expect(compileGlob('acs:oss:*', false).test('acs:oss:cn-hangzhou:1:bucket/key')).toBe(true);
  });

  it('needs exactly one character for a question mark', () => {
    const glob = compileGlob('src-bucket-0?', false);

    expect(glob.test('src-bucket-0')).toBe(false);
    expect(glob.test('src-bucket-01')).toBe(true);
    expect(glob.test('src-bucket-012')).toBe(false);
  });

  it('folds the pattern when compiled case-insensitively', () => {
    const glob = compileGlob('OSS:Get*', true);

    expect(glob.pattern).toBe('oss:get*');
    expect(glob.test('oss:getbucketreplication')).toBe(true);
  });

  it('stays fast on a pattern that would make a backtracking regex explode', () => {
    const glob = compileGlob(`${'*a'.repeat(12)}*b`, false);

    expect(glob.test('a'.repeat(5000))).toBe(false);
  });
});
