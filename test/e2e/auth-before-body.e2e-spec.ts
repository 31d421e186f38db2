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

  it('lets public routes through without a key', async () => {
    await t.request.get('/health/live').expect(200);
  });
});
