import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/**
 * Authentication on the headers before any body is read (DESIGN §5): without a valid credential the
 * answer is 401 whatever the body is — a body the parser would refuse (400, 413) proves it never ran.
 */
describe('authentication before the body', () => {
  const caller = principalWithKey('body-service');
  let file: PrincipalsFile;
  let t: TestApp;
  const simulate = '/v1/authz/simulate';
  const post = (body: string, headers: Record<string, string> = {}) =>
    t.request.post(simulate).set('content-type', 'application/json').set(headers).send(body);

  beforeAll(async () => {
    file = writePrincipalsFile({ principals: [caller.entry] });
    t = await createTestApp({ GATEWAY_PRINCIPALS_FILE: file.file });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  it('answers 401 to a malformed body without a key, and 400 with one', async () => {
    const without = await post('{"not json');
    expect(without.status).toBe(401);
    expect(without.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(without.body.code).toBe('UNAUTHENTICATED');
    expect(without.headers['x-request-id']).toBeDefined();
    expect((await post('{"not json', { 'x-api-key': caller.secret })).status).toBe(400);
  });

  it('answers 401 to a body nested past the depth limit without a key, and 400 with one', async () => {
    const deep = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    expect((await post(deep, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await post(deep, { 'x-api-key': caller.secret })).status).toBe(400);
  });

  it('answers 401 to a body over 1 MiB without a key, and 413 with one', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    expect((await post(big)).status).toBe(401);
    expect((await post(big, { 'x-api-key': caller.secret })).status).toBe(413);
  });

  it('closes the connection of a refused request whose body it left unread, and only then', async () => {
    // Node would otherwise read and discard the body to find the next request on the connection.
    const refused = await post(JSON.stringify({ pad: 'x'.repeat(64 * 1024) }), { connection: 'keep-alive' });
    expect(refused.status).toBe(401);
    expect(refused.headers.connection).toBe('close');
    const bodiless = await t.request.get('/v1/me').set('connection', 'keep-alive');
    expect(bodiless.status).toBe(401);
    expect(bodiless.headers.connection).not.toBe('close');
  });

  it('lets public routes through without a key', async () => {
    await t.request.get('/health/live').expect(200);
  });

  it('refuses a GraphQL document with a bad key unread, as a GraphQL error with status 401', async () => {
    const res = await t.request
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('x-api-key', 'wrong')
      .send('{"not json');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(/API key is not valid/);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(res.body.errors[0].extensions.requestId).toBe(res.headers['x-request-id']);
  });

  it('reads a GraphQL document without credentials only while the explorer is on (introspection)', async () => {
    // Embedded mode: the explorer is on, so the document is read and parsed (400 for bad JSON).
    expect(t.config.graphqlExplorer).toBe(true);
    const res = await t.request.post('/graphql').set('content-type', 'application/json').send('{"not json');
    expect(res.status).toBe(400);
  });
});

describe('authentication before the body, GraphQL explorer off', () => {
  const caller = principalWithKey('body-gql-service');
  let file: PrincipalsFile;
  let t: TestApp;

  beforeAll(async () => {
    file = writePrincipalsFile({ principals: [caller.entry] });
    t = await createTestApp({ GATEWAY_PRINCIPALS_FILE: file.file, GATEWAY_GRAPHQL_EXPLORER: 'off' });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  it('answers 401 to a GraphQL body over 1 MiB without a key, and 413 with one', async () => {
    const big = JSON.stringify({ query: '{ me { id } }', pad: 'x'.repeat(1024 * 1024) });
    const post = (headers: Record<string, string>) =>
      t.request.post('/graphql').set('content-type', 'application/json').set(headers).send(big);
    const without = await post({});
    expect(without.status).toBe(401);
    expect(without.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await post({ 'x-api-key': caller.secret })).status).toBe(413);
  });

  it('answers a caller with a valid key as before', async () => {
    const res = await t.graphql('{ me { id } }', {}, { 'x-api-key': caller.secret });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { me: { id: 'body-gql-service' } } });
  });
});

describe('rate limits before the body', () => {
  const caller = principalWithKey('body-limited-service');
  let file: PrincipalsFile;
  let t: TestApp;

  beforeAll(async () => {
    file = writePrincipalsFile({ principals: [caller.entry] });
    t = await createTestApp({
      GATEWAY_PRINCIPALS_FILE: file.file,
      GATEWAY_RATE_LIMITS: 'read=1/m:burst=100,write=1000/s:burst=1000,simulate=1/m,anonymous=1/m',
    });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  it('answers 429 to a caller over its limit without parsing the body (DESIGN §5 order)', async () => {
    const post = () =>
      t.request
        .post('/v1/authz/simulate')
        .set('content-type', 'application/json')
        .set('x-api-key', caller.secret)
        .send('{"not json');
    // The first is within the limit: its body is parsed and refused.
    expect((await post()).status).toBe(400);
    const over = await post();
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.headers['ratelimit-policy']).toBeDefined();
  });

  it('charges a GraphQL document read without credentials (explorer on) to the source IP first', async () => {
    const post = () => t.request.post('/graphql').set('content-type', 'application/json').send('{"not json');
    // Read (explorer on, for introspection): its JSON is refused.
    expect((await post()).status).toBe(400);
    // The source IP's anonymous limit (1/min) is spent: refused before the body, as a GraphQL error.
    const over = await post();
    expect(over.status).toBe(429);
    expect(over.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(over.headers['retry-after']).toBeDefined();
  });

  it('charges an admitted request once, not again when the pipeline goes on', async () => {
    const ok = await t.request.get('/v1/me').set('x-api-key', caller.secret).expect(200);
    const first = Number(/r=(\d+)/.exec(String(ok.headers.ratelimit))?.[1]);
    const next = await t.request.get('/v1/me').set('x-api-key', caller.secret).expect(200);
    expect(Number(/r=(\d+)/.exec(String(next.headers.ratelimit))?.[1])).toBe(first - 1);
  });
});
