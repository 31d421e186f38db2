import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, TEST_ENV, type TestApp } from '../utils/create-test-app.js';

/*
 * The HTTP edge (DESIGN §9): path parameters as long as the API accepts, bodies (size, media type,
 * shape), methods, and the answers Fastify and Node give on their own (413, 414, 415, 431, 503 while
 * closing), which must all be problem+json with an x-request-id, like every other error.
 */

const MINTED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** One request with node:http, for what supertest cannot send (oversized headers). */
function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The shape every edge answer shares: problem+json, the request id in header and body. */
function expectProblem(
  res: { status: number; headers: Record<string, unknown>; body: Record<string, unknown> },
  status: number,
  code: string,
  reason: string,
): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, reason });
  expect(res.headers['x-request-id']).toMatch(MINTED_ID);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

describe('the HTTP edge', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  const admin = principalWithKey('edge-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const asAdmin = { 'x-api-key': admin.secret };
  const simulation = { action: 'oss:GetBucketReplication', resource: 'acs:oss:cn-hangzhou:*:edge-src' };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: () => undefined });
    emulator.admin.createBucket('edge-src', 'cn-hangzhou');
    emulator.admin.createBucket('edge-dst', 'cn-shanghai');
    emulator.admin.createBucket('edge-dst-2', 'cn-shanghai');
    principals = writePrincipalsFile({ principals: [admin.entry] });
    t = await createTestApp({ ...emulatorEnv(emulator), GATEWAY_PRINCIPALS_FILE: principals.file });
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  describe('path parameters', () => {
    // 255 characters, the longest rule id the API accepts, with `:` that clients percent-encode.
    const ruleId = `edge:${'r'.repeat(245)}:long`;
    const rulePath = `/v1/buckets/edge-src/replication/rules/${encodeURIComponent(ruleId)}`;

    it('serves a 255-character rule id on every route that names a rule', async () => {
      expect(ruleId).toHaveLength(255);
      const created = await t.request
        .post('/v1/buckets/edge-src/replication/rules')
        .set(asAdmin)
        .send({ id: ruleId, destination: { bucket: 'edge-dst', location: 'oss-cn-shanghai' } })
        .expect(201);
      expect(created.body.id).toBe(ruleId);
      expect(created.headers.location).toBe(rulePath);

      const got = await t.request.get(rulePath).set(asAdmin).expect(200);
      expect(got.body.id).toBe(ruleId);
      const rtc = await t.request.put(`${rulePath}/rtc`).set(asAdmin).send({ enabled: true }).expect(200);
      expect(rtc.body).toMatchObject({ id: ruleId, rtc: { enabled: true } });
      const progress = await t.request.get(`${rulePath}/progress`).set(asAdmin).expect(200);
      expect(progress.body.ruleId).toBe(ruleId);
      const deleted = await t.request.delete(rulePath).set(asAdmin).expect(202);
      expect(deleted.body).toMatchObject({ id: ruleId, status: 'closing' });
    });

    it('measures a parameter after percent-decoding: 255 encoded characters are 765 in the URL', async () => {
      const encoded = encodeURIComponent(':'.repeat(255));
      expect(encoded).toHaveLength(765);
      const res = await t.request.get(`/v1/buckets/edge-src/replication/rules/${encoded}`).set(asAdmin);
      expect(res.status).toBe(404);
      expect(res.body.reason).toBe('ReplicationRuleNotFound');
    });

    it('answers a rule id longer than the API accepts with a 400 naming the field', async () => {
      const res = await t.request
        .get(`/v1/buckets/edge-src/replication/rules/${'x'.repeat(256)}`)
        .set(asAdmin)
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'ruleId' })]);
    });

    it('answers a path parameter beyond the router limit with a 414 problem', async () => {
      const res = await t.request.get(`/v1/buckets/edge-src/replication/rules/${'x'.repeat(2000)}`);
      expectProblem(res, 414, 'URI_TOO_LONG', 'UriTooLong');
      expect(res.body.detail).not.toContain('xxxx');
    });
  });

  describe('bodies', () => {
    it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set(asAdmin)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ ...simulation, padding: 'x'.repeat(1024 * 1024) }));
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE', 'PayloadTooLarge');
      expect(res.body.detail).toContain('1 MiB');
    });

    it('answers a body that is not application/json with 415 naming the accepted type', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        const res = await t.request
          .post('/v1/authz/simulate')
          .set(asAdmin)
          .set('content-type', type)
          .send('action=oss:GetBucketReplication');
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'UnsupportedMediaType');
        expect(res.body.detail).toContain('application/json');
      }
    });

    it('accepts application/json with a charset', async () => {
      await t.request
        .post('/v1/authz/simulate')
        .set(asAdmin)
        .set('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(simulation))
        .expect(200);
    });

    it('answers a JSON body that is not an object with 400 "the body must be a JSON object"', async () => {
      for (const body of ['[1,2]', '"text"', '42', 'null', 'true']) {
        const res = await t.request
          .post('/v1/authz/simulate')
          .set(asAdmin)
          .set('content-type', 'application/json')
          .send(body);
        expectProblem(res, 400, 'BAD_USER_INPUT', 'ValidationFailed');
        expect(res.body.detail).toMatch(/the body must be a JSON object/i);
      }
    });

    it('answers malformed JSON with a 400 that says so', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set(asAdmin)
        .set('content-type', 'application/json')
        .send('{"action": ');
      expectProblem(res, 400, 'BAD_USER_INPUT', 'ValidationFailed');
      expect(res.body.detail).toMatch(/not valid JSON/);
    });

    it('accepts a DELETE with content-type application/json and no body', async () => {
      const created = await t.request
        .post('/v1/buckets/edge-src/replication/rules')
        .set(asAdmin)
        .send({ id: 'empty-body-delete', destination: { bucket: 'edge-dst-2', location: 'oss-cn-shanghai' } })
        .expect(201);
      expect(created.body.id).toBe('empty-body-delete');
      const res = await t.request
        .delete('/v1/buckets/edge-src/replication/rules/empty-body-delete')
        .set(asAdmin)
        .set('content-type', 'application/json')
        .expect(202);
      expect(res.body).toMatchObject({ id: 'empty-body-delete', status: 'closing' });
    });

    it('answers an empty JSON body where one is required by naming the missing fields', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set(asAdmin)
        .set('content-type', 'application/json')
        .expect(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'action' })]));
    });
  });

  describe('validation messages', () => {
    const destination = { bucket: 'edge-dst', location: 'oss-cn-shanghai' };
    const problemsOf = async (body: Record<string, unknown>) => {
      const res = await t.request
        .post('/v1/buckets/edge-src/replication/rules?dryRun=true')
        .set(asAdmin)
        .send(body)
        .expect(400);
      expect(res.body.reason).toBe('ValidationFailed');
      return res.body.errors as Array<{ field: string; message: string }>;
    };

    it('gives one message per field: the first rule it breaks', async () => {
      expect(await problemsOf({ prefixes: 'logs/', destination })).toEqual([
        { field: 'prefixes', message: 'prefixes must be an array' },
      ]);
      const eleven = Array.from({ length: 11 }, (_, i) => `p${i}/`);
      expect(await problemsOf({ prefixes: [...eleven, 'p0/'], destination })).toEqual([
        { field: 'prefixes', message: 'prefixes must contain no more than 10 elements' },
      ]);
      expect(await problemsOf({ destination: { bucket: 'edge-dst', location: 5 } })).toEqual([
        { field: 'destination.location', message: 'location must be a string' },
      ]);
    });

    it('names the element of an array by its index', async () => {
      expect(await problemsOf({ prefixes: ['a/', 'a/', 'b/', '', 5], destination })).toEqual([
        { field: 'prefixes', message: "All prefixes's elements must be unique" },
        {
          field: 'prefixes[3]',
          message: 'prefixes[3] must be longer than or equal to 1 characters',
        },
        { field: 'prefixes[4]', message: 'prefixes[4] must be a string' },
      ]);
    });
  });

  describe('methods', () => {
    it('answers a known path with a wrong method with 405 and Allow', async () => {
      const rule = await t.request.patch('/v1/buckets/edge-src/replication/rules/some-rule').set(asAdmin);
      expectProblem(rule, 405, 'METHOD_NOT_ALLOWED', 'MethodNotAllowed');
      expect(String(rule.headers.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);

      const me = await t.request.delete('/v1/me').set(asAdmin);
      expectProblem(me, 405, 'METHOD_NOT_ALLOWED', 'MethodNotAllowed');
      expect(String(me.headers.allow).split(', ').sort()).toEqual(['GET', 'HEAD']);
      expect(me.body.detail).toContain('DELETE');
    });

    it('keeps 404 for a path no route has', async () => {
      const res = await t.request.patch('/v1/no-such-thing').set(asAdmin);
      expectProblem(res, 404, 'NOT_FOUND', 'RouteNotFound');
      expect(res.headers.allow).toBeUndefined();
    });
  });
});

describe("Node's and Fastify's own answers on a listening gateway", () => {
  let app: Awaited<ReturnType<typeof createApp>>;
  let port: number;
  let duringShutdown: RawAnswer | undefined;

  beforeAll(async () => {
    app = await createApp(buildAppConfig({ ...TEST_ENV }), { logger: false });
    // preClose runs once the server is closing, while it still accepts connections.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('preClose', async () => {
        duringShutdown = await rawRequest(port, '/health/live', { connection: 'close' });
      });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers headers larger than Node accepts with a 431 problem', async () => {
    const res = await rawRequest(port, '/health/live', { 'x-padding': 'p'.repeat(20 * 1024) });
    expectProblem(res, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', 'HeadersTooLarge');
  });

  it('answers a request that arrives during shutdown with a 503 problem', async () => {
    const before = await rawRequest(port, '/health/live', { connection: 'close' });
    expect(before.status).toBe(200);
    await app.close();
    expect(duringShutdown).toBeDefined();
    expectProblem(duringShutdown!, 503, 'SERVICE_UNAVAILABLE', 'ShuttingDown');
  });
});
