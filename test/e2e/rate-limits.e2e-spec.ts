import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { RateLimitStage } from '../../src/request/rate-limit/rate-limit.stage.js';
import {
  resolveRedisTestUrl,
  uniqueKeyPrefix,
} from '../../src/request/rate-limit/__fixtures__/redis-test.js';

/** The rate limits of DESIGN §9 as callers meet them: per principal and class, anonymous per source IP. */

const redisUrl = await resolveRedisTestUrl();
const ME_QUERY = '{ me { id } }';

describe('rate limits', () => {
  const first = principalWithKey('first-service');
  const second = principalWithKey('second-service');
  let file: PrincipalsFile;
  let t: TestApp;

  beforeAll(async () => {
    file = writePrincipalsFile({ principals: [first.entry, second.entry] });
    t = await createTestApp({
      GATEWAY_PRINCIPALS_FILE: file.file,
      GATEWAY_RATE_LIMITS: 'read=2/m,anonymous=2/m',
    });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  it('refuses one key over its read limit with 429 and the headers; another key is unaffected', async () => {
    const ok = await t.request.get('/v1/me').set('x-api-key', first.secret).expect(200);
    expect(ok.headers['ratelimit-policy']).toBe('"read";q=2;w=60');
    expect(ok.headers.ratelimit).toMatch(/^"read";r=1;t=\d+$/);
    await t.request.get('/v1/me').set('x-api-key', first.secret).expect(200);

    const refused = await t.request.get('/v1/me').set('x-api-key', first.secret).expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers.ratelimit).toMatch(/^"read";r=0;t=\d+$/);
    expect(refused.headers['x-request-id']).toBeDefined();

    await t.request.get('/v1/me').set('x-api-key', second.secret).expect(200);
  });

  it('charges each GraphQL resolver with an action, and answers RATE_LIMITED in the errors', async () => {
    // The same key over GraphQL: its read bucket is the one REST spent.
    const refused = await t.graphql(ME_QUERY, {}, { 'x-api-key': first.secret });
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.body.data).toEqual({ me: null });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // The second key has one read left: a query of two `me` fields spends it and is refused the other.
    const twice = await t.graphql('{ a: me { id } b: me { id } }', {}, { 'x-api-key': second.secret });
    expect(twice.body.errors).toHaveLength(1);
    expect(twice.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(twice.headers.ratelimit).toMatch(/^"read";r=0;t=\d+$/);
  });

  it('charges failed authentications to the anonymous class of the source IP, then answers 429', async () => {
    await t.request.get('/v1/me').set('x-api-key', 'guess-1').expect(401);
    const second401 = await t.request.get('/v1/me').expect(401);
    expect(second401.headers.ratelimit).toMatch(/^"anonymous";r=0;t=\d+$/);
    const refused = await t.request.get('/v1/me').set('x-api-key', 'guess-3').expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    const gql = await t.graphql(ME_QUERY, {}, { 'x-api-key': 'guess-4' });
    expect(gql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('never limits the public endpoints', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await t.request.get('/health/live').expect(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });
});

describe.skipIf(redisUrl === null)('rate limits shared through Redis', () => {
  const caller = principalWithKey('shared-service');
  let file: PrincipalsFile;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    file = writePrincipalsFile({ principals: [caller.entry] });
    const env = {
      GATEWAY_PRINCIPALS_FILE: file.file,
      GATEWAY_RATE_LIMITS: 'read=3/m',
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: uniqueKeyPrefix(),
    };
    a = await createTestApp(env);
    b = await createTestApp(env);
    await a.app.get(RateLimitStage).whenRedisReady();
    await b.app.get(RateLimitStage).whenRedisReady();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    file?.cleanup();
  });

  it('holds one limit across two gateways', async () => {
    await a.request.get('/v1/me').set('x-api-key', caller.secret).expect(200);
    await b.request.get('/v1/me').set('x-api-key', caller.secret).expect(200);
    await a.request.get('/v1/me').set('x-api-key', caller.secret).expect(200);
    const refused = await b.request.get('/v1/me').set('x-api-key', caller.secret).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
  });
});
