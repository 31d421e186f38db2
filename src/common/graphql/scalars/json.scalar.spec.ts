import { describe, expect, it } from 'vitest';
import { parseValue } from 'graphql/index.js';
import { JSONScalar } from './json.scalar.js';

describe('JSONScalar', () => {
  it('parses object, list and scalar literals, resolving variables inside them', () => {
    const ast = parseValue(
      '{ Version: "1", Statement: [{ Effect: ALLOW, n: 2, f: 1.5, b: true, z: null, v: $ip }] }',
    );
    expect(JSONScalar.parseLiteral(ast, { ip: '10.0.0.1' })).toEqual({
      Version: '1',
      Statement: [{ Effect: 'ALLOW', n: 2, f: 1.5, b: true, z: null, v: '10.0.0.1' }],
    });
  });

  it('accepts JSON variables and refuses non-JSON values', () => {
    expect(JSONScalar.parseValue({ a: [1, 'x', false] })).toEqual({ a: [1, 'x', false] });
    expect(() => JSONScalar.parseValue({ n: Number.NaN })).toThrow(/finite/);
    expect(() => JSONScalar.parseValue(() => 1)).toThrow(/not a JSON value/);
  });

  it('refuses documents nested deeper than 32 levels', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i += 1) {
      deep = [deep];
    }
    expect(() => JSONScalar.parseValue(deep)).toThrow(/deeper/);
  });
});
