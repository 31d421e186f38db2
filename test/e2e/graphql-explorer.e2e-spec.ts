import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppConfig } from '../../src/config/app.config.js';
import { ConfigValidationError } from '../../src/config/env.schema.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/*
 * GraphQL introspection and Playground follow GATEWAY_GRAPHQL_EXPLORER (DESIGN §9): `on` by default in
 * embedded mode, `off` by default in upstream mode; either default can be overridden.
 */

/** Upstream mode without a reachable OSS: these tests never make an OSS call. */
const UPSTREAM_ENV = {
  OSS_ACCESS_KEY_ID: 'explorer-test',
  OSS_ACCESS_KEY_SECRET: 'explorer-test-secret',
  OSS_ENDPOINT: '127.0.0.1:9',
};
const INTROSPECTION = '{ __schema { queryType { name } } }';
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

let file: PrincipalsFile;
const caller = principalWithKey('explorer-user');
beforeAll(() => {
  file = writePrincipalsFile({ principals: [caller.entry] });
});
afterAll(() => file?.cleanup());

describe.each([
  ['embedded mode by default', {}, true],
  ['upstream mode by default', UPSTREAM_ENV, false],
  [
    'upstream mode with GATEWAY_GRAPHQL_EXPLORER=on',
    { ...UPSTREAM_ENV, GATEWAY_GRAPHQL_EXPLORER: 'on' },
    true,
  ],
  ['embedded mode with GATEWAY_GRAPHQL_EXPLORER=off', { GATEWAY_GRAPHQL_EXPLORER: 'off' }, false],
] as const)('the GraphQL explorer in %s', (_label, env, on) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ...env, GATEWAY_PRINCIPALS_FILE: file.file });
    expect(t.config.graphqlExplorer).toBe(on);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(on ? 'answers introspection' : 'refuses introspection with an error naming the variable', async () => {
    const anonymous = await t.graphql(INTROSPECTION);
    if (on) {
      expect(anonymous.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      return;
    }
    // Off, a document without credentials is refused before it is read (DESIGN §5) …
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // … and a caller's introspection is refused by name.
    const res = await t.graphql(INTROSPECTION, {}, { 'x-api-key': caller.secret });
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(/introspection is off.*GATEWAY_GRAPHQL_EXPLORER=on/);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a nested __type as well when off, and never refuses __typename', async () => {
    const nested = await t.graphql(
      '{ me { id } schema: __type(name: "Query") { name } }',
      {},
      {
        'x-api-key': caller.secret,
      },
    );
    if (on) {
      expect(nested.body.data).toEqual({ me: { id: 'explorer-user' }, schema: { name: 'Query' } });
    } else {
      expect(nested.body.errors[0].message).toMatch(/introspection is off/);
    }
    const typename = await t.graphql('{ __typename }', {}, { 'x-api-key': caller.secret });
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
    expect((await t.graphql('{ __typename }')).status).toBe(on ? 200 : 401);
  });

  it(
    on ? 'serves Playground to a browser' : 'answers a browser 404 saying how to turn Playground on',
    async () => {
      const page = await t.request.get('/graphql').set(BROWSER);
      const asset = await t.request.get('/graphql/playground/static/js/middleware.js');
      if (on) {
        expect(page.status).toBe(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.text).toContain('GraphQLPlayground');
        expect(asset.status).toBe(200);
        return;
      }
      expect(page.status).toBe(404);
      expect(page.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(page.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(page.body.detail).toMatch(/Playground is off.*GATEWAY_GRAPHQL_EXPLORER=on/);
      expect(page.headers['x-request-id']).toBeTruthy();
      expect(asset.status).toBe(404);
    },
  );
});

describe('GATEWAY_GRAPHQL_EXPLORER', () => {
  it('accepts only on and off', () => {
    expect(() => buildAppConfig({ GATEWAY_GRAPHQL_EXPLORER: 'yes' })).toThrow(ConfigValidationError);
    expect(() => buildAppConfig({ GATEWAY_GRAPHQL_EXPLORER: 'yes' })).toThrow(/GATEWAY_GRAPHQL_EXPLORER/);
  });
});
