import 'reflect-metadata';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { ConfigValidationError } from '../../src/config/env.schema.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { SWAGGER_UI_CSP } from '../../src/docs/swagger-ui.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, TEST_ENV, type TestApp } from '../utils/create-test-app.js';

/*
 * The edge of DESIGN §9 that no caller gets around: JSON depth and key limits, duplicated
 * credential headers, request ids only from trusted proxies, header/request/keep-alive timeouts,
 * load shedding, the answer headers, CORS and `/metrics` on its own port. Every refusal is
 * problem+json with an x-request-id, never a 5xx of the gateway's own making.
 */

const MINTED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

function expectProblem(res: Answer, status: number, code: string, detail?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
  if (detail) {
    expect(res.body.detail).toMatch(detail);
  }
  expect(res.headers['x-request-id']).toMatch(MINTED_ID);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

/** What came back on a raw connection: the whole text, and the parsed answer when there was one. */
interface RawExchange {
  text: string;
  answer?: Answer;
}

function parseAnswer(text: string): Answer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    return undefined;
  }
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = text.slice(end + 4);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : {},
  };
}

/**
 * Writes `chunks` on a fresh connection (what supertest cannot send: duplicated headers, a request
 * that never ends) and collects everything until the server closes the connection.
 */
function exchange(port: number, ...chunks: string[]): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, answer: parseAnswer(text) }));
    socket.on('connect', () => chunks.forEach((chunk) => socket.write(chunk)));
  });
}

async function listen(app: NestFastifyApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

const nestedObjects = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
const nestedArrays = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

describe('the hardened HTTP edge', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  const admin = principalWithKey('harden-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const other = principalWithKey('harden-other', { policies: ['AliyunOSSReadOnlyAccess'] });
  const rulesPath = '/v1/buckets/harden-src/replication/rules';
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: () => undefined });
    emulator.admin.createBucket('harden-src', 'cn-hangzhou');
    principals = writePrincipalsFile({ principals: [admin.entry, other.entry] });
    env = { ...emulatorEnv(emulator), GATEWAY_PRINCIPALS_FILE: principals.file };
    // Upstream mode hides the Playground by default; the docs-pages case needs it served.
    t = await createTestApp({ ...env, GATEWAY_GRAPHQL_EXPLORER: 'on' });
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  describe('JSON bodies: depth ≤ 32, keys ≤ 1,000', () => {
    const post = (body: string) =>
      t.request
        .post(rulesPath)
        .set('x-api-key', admin.secret)
        .set('content-type', 'application/json')
        .send(body);

    it('answers 400 naming the depth limit for a body 1,313 levels deep, and for 100,000 levels', async () => {
      for (const body of [
        nestedObjects(1_313),
        `{"destination":${nestedArrays(100_000)}}`,
        '{"a":'.repeat(100_000),
      ]) {
        expectProblem(await post(body), 400, 'BAD_USER_INPUT', /nested deeper than the limit of 32 levels/);
      }
    });

    it('answers 400 naming the key limit for an object of 5,000 keys', async () => {
      const body = JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])));
      expectProblem(await post(body), 400, 'BAD_USER_INPUT', /more object keys than the limit of 1000/);
    });

    it('lets a body of 32 levels through to validation, which names the fields', async () => {
      const res = await post(`{"destination":${nestedObjects(31)}}`);
      expectProblem(res, 400, 'BAD_USER_INPUT');
      expect(res.body.detail).not.toMatch(/limit of 32/);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]),
      );
    });

    it('applies the same limits to GraphQL requests (arrays nested deep in the variables)', async () => {
      const res = await t.request
        .post('/graphql')
        .set('x-api-key', admin.secret)
        .set('content-type', 'application/json')
        .send(`{"query":"{ me { id } }","variables":{"v":${nestedArrays(5_000)}}}`);
      expectProblem(res, 400, 'BAD_USER_INPUT', /limit of 32 levels/);
    });

    it('counts each refusal in the edge metric', async () => {
      const metrics = await t.request.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/gateway_http_edge_rejections_total\{reason="JsonLimit"\} [1-9]/);
    });
  });

  describe('duplicated credential and host headers', () => {
    let port: number;
    let served: NestFastifyApplication;
    beforeAll(async () => {
      served = await createApp(buildAppConfig({ ...TEST_ENV, ...env }), { logger: false });
      port = await listen(served);
    });
    afterAll(async () => {
      await served?.close();
    });

    const request = (headers: string[], body = '') =>
      exchange(
        port,
        `POST ${rulesPath} HTTP/1.1\r\n${headers.join('\r\n')}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );

    it.each([
      [
        'Authorization',
        ['host: gw', `authorization: Bearer ${admin.secret}`, `authorization: Bearer ${other.secret}`],
      ],
      ['X-Api-Key', ['host: gw', `x-api-key: ${other.secret}`, `X-API-KEY: ${admin.secret}`]],
      ['Host', ['host: gw', 'Host: elsewhere', `x-api-key: ${admin.secret}`]],
    ])(
      'answers 400 naming %s when it is given twice, before authentication and the body',
      async (name, headers) => {
        const { answer } = await request(headers, nestedObjects(2_000));
        expect(answer).toBeDefined();
        expectProblem(
          answer!,
          400,
          'BAD_USER_INPUT',
          new RegExp(`The ${name} header is given more than once`),
        );
      },
    );

    it('serves the same request with each header once', async () => {
      const { answer } = await request(['host: gw', `x-api-key: ${admin.secret}`], '{}');
      expect(answer?.status).toBe(400);
      expect(answer?.body.detail).not.toMatch(/more than once/);
    });
  });

  describe('request ids', () => {
    const list = (secret: string, requestId: string) =>
      t.request.get(rulesPath).set('x-api-key', secret).set('x-request-id', requestId).expect(200);

    it('mints its own id for two principals sending the same X-Request-Id, and audits theirs as clientRequestId', async () => {
      const a = await list(admin.secret, 'shared-id-1');
      const b = await list(other.secret, 'shared-id-1');
      const ids = [a.headers['x-request-id'], b.headers['x-request-id']];
      expect(ids[0]).toMatch(MINTED_ID);
      expect(ids[1]).toMatch(MINTED_ID);
      expect(ids[0]).not.toBe(ids[1]);

      const audit = t.app.get(AuditService);
      await audit.flush();
      for (const requestId of ids) {
        const calls = (await audit.query({ requestId, kind: 'oss-call' })).items;
        expect(calls.length).toBeGreaterThan(0);
        expect(calls.every((e) => e.clientRequestId === 'shared-id-1')).toBe(true);
        const decisions = (await audit.query({ requestId, kind: 'decision' })).items;
        expect(decisions).toHaveLength(1);
        expect(decisions[0]?.clientRequestId).toBe('shared-id-1');
      }
      const rest = await t.request
        .get('/v1/audit')
        .query({ requestId: ids[0], kind: 'oss-call' })
        .set('x-api-key', admin.secret)
        .expect(200);
      expect(rest.body.items[0]).toMatchObject({ requestId: ids[0], clientRequestId: 'shared-id-1' });
      const gql = await t.graphql(
        'query ($f: AuditEventFilter) { auditEvents(filter: $f) { items { requestId clientRequestId } } }',
        { f: { requestId: ids[1], kind: 'OSS_CALL' } },
        { 'x-api-key': admin.secret },
      );
      expect(gql.body.data.auditEvents.items[0]).toEqual({
        requestId: ids[1],
        clientRequestId: 'shared-id-1',
      });
    });

    it('keeps at most 128 printable characters of a caller id', async () => {
      const res = await list(admin.secret, `${'x'.repeat(300)}`);
      const audit = t.app.get(AuditService);
      await audit.flush();
      const calls = (await audit.query({ requestId: res.headers['x-request-id'], kind: 'oss-call' })).items;
      expect(calls[0]?.clientRequestId).toBe('x'.repeat(128));
    });

    describe('from a trusted proxy', () => {
      let proxied: TestApp;
      beforeAll(async () => {
        proxied = await createTestApp({ ...env, GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1' });
      });
      afterAll(async () => {
        await proxied?.close();
      });

      it('honours a well-formed X-Request-Id, with no clientRequestId', async () => {
        const res = await proxied.request
          .get(rulesPath)
          .set('x-api-key', admin.secret)
          .set('x-request-id', 'proxy-id-1')
          .expect(200);
        expect(res.headers['x-request-id']).toBe('proxy-id-1');
        const audit = proxied.app.get(AuditService);
        await audit.flush();
        const calls = (await audit.query({ requestId: 'proxy-id-1', kind: 'oss-call' })).items;
        expect(calls.length).toBeGreaterThan(0);
        expect(calls[0]?.clientRequestId).toBeUndefined();
      });

      it('mints one in place of a malformed id, and keeps the given one as clientRequestId', async () => {
        const res = await proxied.request
          .get(rulesPath)
          .set('x-api-key', admin.secret)
          .set('x-request-id', 'not an id!')
          .expect(200);
        expect(res.headers['x-request-id']).toMatch(MINTED_ID);
        const audit = proxied.app.get(AuditService);
        await audit.flush();
        const calls = (await audit.query({ requestId: res.headers['x-request-id'], kind: 'oss-call' })).items;
        expect(calls[0]?.clientRequestId).toBe('not an id!');
      });
    });
  });

  describe('timeouts', () => {
    let served: NestFastifyApplication | undefined;
    afterEach(async () => {
      await served?.close();
      served = undefined;
    });
    const serve = async (overrides: Record<string, string>): Promise<number> => {
      served = await createApp(buildAppConfig({ ...TEST_ENV, ...env, ...overrides }), { logger: false });
      return listen(served);
    };

    it('answers 408 and closes a connection whose headers do not arrive in time', async () => {
      const port = await serve({ GATEWAY_HEADERS_TIMEOUT_MS: '300', GATEWAY_REQUEST_TIMEOUT_MS: '300' });
      const { answer } = await exchange(port, 'GET /health/live HTTP/1.1\r\nhost: gw\r\n');
      expectProblem(answer!, 408, 'REQUEST_TIMEOUT');
      expect(answer!.headers.connection).toBe('close');
    });

    it('answers 408 and closes a connection whose body does not arrive in time', async () => {
      const port = await serve({ GATEWAY_HEADERS_TIMEOUT_MS: '300', GATEWAY_REQUEST_TIMEOUT_MS: '500' });
      const { answer } = await exchange(
        port,
        `POST ${rulesPath} HTTP/1.1\r\nhost: gw\r\nx-api-key: ${admin.secret}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id":`,
      );
      expectProblem(answer!, 408, 'REQUEST_TIMEOUT');
    });

    it('closes an idle keep-alive connection after its timeout', async () => {
      const port = await serve({ GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '300' });
      const { text, answer } = await exchange(port, 'GET /health/live HTTP/1.1\r\nhost: gw\r\n\r\n');
      // Kept alive after the answer, then closed by the server (the exchange ends when it does).
      expect(answer?.status).toBe(200);
      expect(answer?.headers.connection).toBe('keep-alive');
      expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    });

    it('refuses a headers timeout longer than the request timeout at start-up', () => {
      expect(() =>
        buildAppConfig({ GATEWAY_HEADERS_TIMEOUT_MS: '20000', GATEWAY_REQUEST_TIMEOUT_MS: '10000' }),
      ).toThrow(ConfigValidationError);
    });
  });

  describe('load shedding', () => {
    let pressed: TestApp;
    beforeAll(async () => {
      // Any process uses more than one byte of memory: the gateway is under pressure from the first sample on.
      pressed = await createTestApp({ ...env, GATEWAY_MAX_RSS_BYTES: '1' });
    });
    afterAll(async () => {
      await pressed?.close();
    });

    it('answers 503 OVERLOADED with Retry-After, while /health/live and /metrics still answer', async () => {
      let res = await pressed.request.get('/v1/me').set('x-api-key', admin.secret);
      while (res.status !== 503) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        res = await pressed.request.get('/v1/me').set('x-api-key', admin.secret);
      }
      expectProblem(res, 503, 'OVERLOADED', /overloaded/);
      expect(res.headers['retry-after']).toBe('10');
      expectProblem(
        await pressed.graphql('{ me { id } }', {}, { 'x-api-key': admin.secret }),
        503,
        'OVERLOADED',
      );
      expectProblem(await pressed.request.get('/health/ready'), 503, 'OVERLOADED');
      await pressed.request.get('/health/live').expect(200);
      const metrics = await pressed.request.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/gateway_http_edge_rejections_total\{reason="Overloaded"\} [1-9]/);
    }, 20_000);
  });

  describe('answer headers', () => {
    it('sends nosniff and no-store on API answers, errors included', async () => {
      for (const res of [
        await t.request.get('/v1/me').set('x-api-key', admin.secret).expect(200),
        await t.request.get('/v1/me').expect(401),
        await t.graphql('{ me { id } }', {}, { 'x-api-key': admin.secret }).expect(200),
      ]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      }
    });

    it('keeps the documentation pages’ own CSP and caching', async () => {
      const docs = await t.request.get('/docs').expect(200);
      expect(docs.headers['content-security-policy']).toBe(SWAGGER_UI_CSP);
      expect(docs.headers['cache-control']).toBe('no-cache');
      const playground = await t.request.get('/graphql').set('accept', 'text/html').expect(200);
      expect(playground.headers['content-security-policy']).toMatch(/script-src/);
      expect(playground.headers['x-content-type-options']).toBe('nosniff');
    });

    it('sends no CORS headers when no origin is configured', async () => {
      const res = await t.request
        .get('/v1/me')
        .set('origin', 'https://portal.example.com')
        .set('x-api-key', admin.secret);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.request
        .options('/v1/me')
        .set('origin', 'https://portal.example.com')
        .set('access-control-request-method', 'GET');
      expectProblem(preflight, 405, 'METHOD_NOT_ALLOWED');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    describe('with GATEWAY_CORS_ORIGINS', () => {
      const portal = 'https://portal.example.com';
      let cors: TestApp;
      beforeAll(async () => {
        cors = await createTestApp({ ...env, GATEWAY_CORS_ORIGINS: `${portal}, https://other.example.com` });
      });
      afterAll(async () => {
        await cors?.close();
      });

      it('answers an allowed origin’s preflight with the methods and headers the API takes', async () => {
        const res = await cors.request
          .options(rulesPath)
          .set('origin', portal)
          .set('access-control-request-method', 'POST')
          .set('access-control-request-headers', 'x-api-key, content-type')
          .expect(204);
        expect(res.headers['access-control-allow-origin']).toBe(portal);
        expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
        expect(res.headers['access-control-allow-headers']).toMatch(
          /Authorization, X-Api-Key, Content-Type, Idempotency-Key, X-Request-Id/,
        );
        const get = await cors.request
          .get('/v1/me')
          .set('origin', portal)
          .set('x-api-key', admin.secret)
          .expect(200);
        expect(get.headers['access-control-allow-origin']).toBe(portal);
        expect(get.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
        expect(get.headers.vary).toMatch(/Origin/);
      });

      it('gives a refused origin no Access-Control-Allow-Origin, on answers and preflights', async () => {
        const get = await cors.request
          .get('/v1/me')
          .set('origin', 'https://evil.example.com')
          .set('x-api-key', admin.secret)
          .expect(200);
        expect(get.headers['access-control-allow-origin']).toBeUndefined();
        const preflight = await cors.request
          .options('/v1/me')
          .set('origin', 'https://evil.example.com')
          .set('access-control-request-method', 'GET');
        expectProblem(preflight, 405, 'METHOD_NOT_ALLOWED');
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      });

      it('still answers 404 for an unknown path and 405 for a wrong method', async () => {
        expectProblem(await cors.request.get('/v1/no-such-route'), 404, 'NOT_FOUND');
        expectProblem(await cors.request.options('/v1/no-such-route'), 404, 'NOT_FOUND');
        const wrong = await cors.request.delete('/v1/me');
        expectProblem(wrong, 405, 'METHOD_NOT_ALLOWED');
        expect(wrong.headers.allow).not.toMatch(/OPTIONS/);
      });
    });
  });

  describe('METRICS_PORT', () => {
    let apart: TestApp;
    beforeAll(async () => {
      apart = await createTestApp({ ...env, METRICS_PORT: '0' });
    });
    afterAll(async () => {
      await apart?.close();
    });

    it('serves /metrics on its own port and not on the API port', async () => {
      expectProblem(await apart.request.get('/metrics'), 404, 'NOT_FOUND');
      const port = apart.app.get(MetricsServer).port;
      expect(port).toBeGreaterThan(0);
      const metrics = supertest(`http://127.0.0.1:${port}`);
      const res = await metrics.get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/gateway_http_request_duration_seconds/);
      expect((await metrics.get('/v1/me')).status).toBe(404);
      const post = await metrics.post('/metrics');
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
    });

    it('refuses a METRICS_PORT equal to PORT at start-up', () => {
      expect(() => buildAppConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(ConfigValidationError);
    });
  });
});
