import { describe, expect, it } from 'vitest';
import { wantsPlayground } from './docs.setup.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe(wantsPlayground.name, () => {
  it('serves the Playground to a browser opening /graphql', () => {
    expect(wantsPlayground('GET', '/graphql', HTML)).toBe(true);
    expect(wantsPlayground('GET', '/graphql/', HTML)).toBe(true);
    expect(wantsPlayground('GET', '/graphql?tab=1', HTML)).toBe(true);
  });

  it('leaves GraphQL requests to the server: POST, GET with a query, or no HTML in Accept', () => {
    expect(wantsPlayground('POST', '/graphql', HTML)).toBe(false);
    expect(wantsPlayground('GET', '/graphql?query=%7B__typename%7D', HTML)).toBe(false);
    expect(wantsPlayground('GET', '/graphql', 'application/json')).toBe(false);
    expect(wantsPlayground('GET', '/graphql', undefined)).toBe(false);
  });

  it('ignores other paths, including the Playground asset paths', () => {
    expect(wantsPlayground('GET', '/graphql/playground/static/js/middleware.js', HTML)).toBe(false);
    expect(wantsPlayground('GET', '/graphqlx', HTML)).toBe(false);
    expect(wantsPlayground('GET', '/v1/me', HTML)).toBe(false);
  });
});
