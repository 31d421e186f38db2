import { describe, expect, it } from 'vitest';
import { jsonLimitProblem, MAX_JSON_DEPTH, MAX_JSON_KEYS } from './json-limits.js';

const nested = (levels: number, open = '[', close = ']'): string =>
  open.repeat(levels) + close.repeat(levels);
const objectWithKeys = (count: number): string =>
  JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i])));

describe(jsonLimitProblem.name, () => {
  it('accepts a body exactly at the depth limit, of objects and arrays alike', () => {
    expect(jsonLimitProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(
      jsonLimitProblem('{"a":'.repeat(MAX_JSON_DEPTH - 1) + '{}' + '}'.repeat(MAX_JSON_DEPTH - 1)),
    ).toBeUndefined();
  });

  it('refuses one level more, naming the limit', () => {
    expect(jsonLimitProblem(nested(MAX_JSON_DEPTH + 1))).toMatch(/limit of 32 levels/);
    expect(jsonLimitProblem(`{"a":${nested(MAX_JSON_DEPTH)}}`)).toMatch(/limit of 32 levels/);
  });

  it('refuses 100,000 levels without a stack overflow', () => {
    expect(jsonLimitProblem(nested(100_000))).toMatch(/limit of 32 levels/);
    expect(jsonLimitProblem('{"a":'.repeat(100_000))).toMatch(/limit of 32 levels/);
  });

  it('counts the keys of the whole body: 1,000 pass, 1,001 do not, in one object or spread out', () => {
    expect(jsonLimitProblem(objectWithKeys(MAX_JSON_KEYS))).toBeUndefined();
    expect(jsonLimitProblem(objectWithKeys(MAX_JSON_KEYS + 1))).toMatch(/limit of 1000/);
    const spread = `{"items":[${Array.from({ length: 101 }, () => objectWithKeys(10)).join(',')}]}`;
    expect(jsonLimitProblem(spread)).toMatch(/limit of 1000/);
  });

  it('ignores brackets, braces, colons and escaped quotes inside strings', () => {
    const text = JSON.stringify({ s: '[[[[{{{{:::' + '"\\"'.repeat(40) + '['.repeat(100), t: 'a\\' });
    expect(jsonLimitProblem(text)).toBeUndefined();
    expect(jsonLimitProblem(JSON.stringify({ s: ':'.repeat(5_000) }))).toBeUndefined();
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(jsonLimitProblem('{"unterminated')).toBeUndefined();
    expect(jsonLimitProblem(']]]]')).toBeUndefined();
  });
});
