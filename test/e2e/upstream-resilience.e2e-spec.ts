import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * DESIGN §10 "The upstream is protected too": retries draw on a retry quota, a circuit breaker per
 * OSS operation and endpoint answers 503 UPSTREAM_UNAVAILABLE with Retry-After at once while open,
 * and it closes again once OSS has healed. Faults are injected at the emulator and OSS calls are
 * counted where they land: in the emulator's request log, over a real socket.
 */

const LOAD = 50;
const CONCURRENCY = 10;
const OPERATION = 'GetBucketReplication';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

describe('upstream resilience (e2e against the OSS emulator with faults)', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  const apps: TestApp[] = [];
  /** One line per request the emulator answered: `METHOD path Operation status …`. */
  const seen: string[] = [];
  const admin = principalWithKey('resilience-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  let bucketCounter = 0;

  /** GetBucketReplication requests that reached the emulator (answered, failed or reset). */
  function replicationCalls(): number {
    return seen.filter((line) => line.includes(` ${OPERATION} `)).length;
  }

  async function appWith(overrides: Record<string, string>): Promise<TestApp> {
    const t = await createTestApp({
      ...emulatorEnv(emulator),
      OSS_ACCOUNT_ID: '1234567890123456',
      GATEWAY_PRINCIPALS_FILE: principals.file,
      OSS_MAX_ATTEMPTS: '3',
      OSS_RETRY_BASE_DELAY_MS: '5',
      OSS_RETRY_MAX_DELAY_MS: '50',
      ...overrides,
    });
    apps.push(t);
    return t;
  }

  /** A bucket whose location the gateway has already cached (one successful listing). */
  async function warmBucket(t: TestApp): Promise<string> {
    bucketCounter += 1;
    const bucket = `resilience-src-${bucketCounter}`;
    emulator.admin.createBucket(bucket, 'cn-hangzhou');
    await t.request.get(`/v1/buckets/${bucket}/replication/rules`).set('x-api-key', admin.secret).expect(200);
    return bucket;
  }

  async function listRules(t: TestApp, bucket: string): Promise<Answer> {
    const res = await t.request.get(`/v1/buckets/${bucket}/replication/rules`).set('x-api-key', admin.secret);
    return {
      status: res.status,
      headers: res.headers,
      body: res.body as Record<string, unknown>,
    };
  }

  /** `count` listings, `CONCURRENCY` at a time. */
  async function load(t: TestApp, bucket: string, count: number): Promise<Answer[]> {
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next += 1;
          answers.push(await listRules(t, bucket));
        }
      }),
    );
    return answers;
  }

  async function injectFault(fault: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: OPERATION, ...fault }),
    });
    expect(res.status).toBe(201);
  }

  async function metric(t: TestApp, name: string): Promise<string[]> {
    const res = await t.request.get('/metrics').expect(200);
    return res.text.split('\n').filter((line) => line.startsWith(name));
  }

  /** Every answer is a mapped upstream failure (502/503/504, never 500) naming its request id. */
  function expectMapped(answers: Answer[]): void {
    for (const answer of answers) {
      expect([502, 503, 504]).toContain(answer.status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['x-request-id']).toBeTruthy();
      expect(answer.body.requestId).toBe(answer.headers['x-request-id']);
    }
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      faults: true,
      clockSkewSeconds: 'off',
      logger: (line) => seen.push(line),
    });
    principals = writePrincipalsFile({ principals: [admin.entry] });
  });

  afterEach(async () => {
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  afterAll(async () => {
    await emulator?.close();
    principals?.cleanup();
  });

  it.each([
    ['100% 503 ServiceUnavailable', { status: 503 }],
    ['100% 503 SlowDown', { status: 503, code: 'SlowDown' }],
    ['connection resets', { reset: true }],
  ])(
    'under %s, 50 requests cost OSS fewer calls than requests; the open breaker answers 503 with Retry-After without calling OSS',
    async (_name, fault) => {
      // A cool-down longer than the test: no probe goes out while it runs.
      const t = await appWith({ OSS_BREAKER_THRESHOLD: '5', OSS_BREAKER_COOLDOWN_MS: '120000' });
      const bucket = await warmBucket(t);
      await injectFault(fault);
      const before = replicationCalls();

      const answers = await load(t, bucket, LOAD);

      expect(answers).toHaveLength(LOAD);
      expectMapped(answers);
      // Without the breaker and quota: 3 attempts per request, 150 calls.
      const calls = replicationCalls() - before;
      expect(calls).toBeGreaterThanOrEqual(5);
      expect(calls).toBeLessThan(LOAD);
      const shortCircuited = answers.filter((a) => a.body.code === 'UPSTREAM_UNAVAILABLE');
      expect(shortCircuited.length).toBeGreaterThanOrEqual(LOAD - calls);
      for (const answer of shortCircuited) {
        expect(answer.status).toBe(503);
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(120);
        expect(answer.body).toMatchObject({
          reason: 'UpstreamUnavailable',
          retryAfterSeconds: expect.any(Number),
        });
      }

      // While open, nothing reaches the emulator.
      const whileOpen = replicationCalls();
      const more = await load(t, bucket, 10);
      expect(replicationCalls()).toBe(whileOpen);
      expect(more.every((a) => a.status === 503 && a.body.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
      expect(
        more.every(
          (a) => a.body.oss !== undefined && (a.body.oss as { code: string }).code === 'CircuitOpen',
        ),
      ).toBe(true);

      // GraphQL answers the field the same way, in its extensions.
      const gql = await t
        .graphql(`{ replicationRules(bucket: "${bucket}") { id } }`, {}, { 'x-api-key': admin.secret })
        .expect(200);
      expect(gql.body.data.replicationRules).toBeNull();
      expect(gql.body.errors[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        retryAfterSeconds: expect.any(Number),
        requestId: gql.headers['x-request-id'],
      });
      expect(replicationCalls()).toBe(whileOpen);

      const endpoint = new URL(emulator.url).host;
      expect(await metric(t, 'gateway_oss_circuit_breaker_state{')).toContain(
        `gateway_oss_circuit_breaker_state{operation="${OPERATION}",endpoint="${endpoint}"} 1`,
      );
      const [shortCircuitedTotal] = await metric(t, 'gateway_oss_short_circuited_total{');
      expect(Number(shortCircuitedTotal.split(' ').pop())).toBeGreaterThanOrEqual(10);
    },
  );

  it('closes the breaker again after the cool-down once OSS has healed', async () => {
    const t = await appWith({ OSS_BREAKER_THRESHOLD: '3', OSS_BREAKER_COOLDOWN_MS: '300' });
    const bucket = await warmBucket(t);
    await injectFault({ status: 503, code: 'SlowDown' });
    const outage = await load(t, bucket, 10);
    expectMapped(outage);
    expect(outage.some((a) => a.body.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);

    // Healed: within a cool-down or two one probe goes through, succeeds, and the breaker closes.
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
    let answer = await listRules(t, bucket);
    for (let i = 0; i < 200 && answer.status !== 200; i += 1) {
      expect(answer.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer = await listRules(t, bucket);
    }
    expect(answer.status).toBe(200);
    const afterProbe = replicationCalls();
    const healthy = await load(t, bucket, 20);
    expect(healthy.every((a) => a.status === 200)).toBe(true);
    expect(replicationCalls()).toBe(afterProbe + 20);
    const endpoint = new URL(emulator.url).host;
    expect(await metric(t, 'gateway_oss_circuit_breaker_state{')).toContain(
      `gateway_oss_circuit_breaker_state{operation="${OPERATION}",endpoint="${endpoint}"} 0`,
    );
  });

  it('stops retrying when the retry quota is spent: 50 failing requests make 50 calls plus what the quota pays for', async () => {
    // No breaker in the way (it would open first): the quota alone bounds the retries.
    const t = await appWith({ OSS_BREAKER_THRESHOLD: '10000', OSS_RETRY_QUOTA: '50' });
    const bucket = await warmBucket(t);
    await injectFault({ status: 500 });
    const before = replicationCalls();

    const answers = await load(t, bucket, LOAD);

    expectMapped(answers);
    expect(answers.every((a) => a.status === 502 && a.body.code === 'UPSTREAM_ERROR')).toBe(true);
    // 50 first attempts + 50 tokens / 5 per retry = 10 retries (150 calls without the quota).
    expect(replicationCalls() - before).toBe(LOAD + 10);
    expect(await metric(t, 'gateway_oss_retry_quota_tokens')).toContain('gateway_oss_retry_quota_tokens 0');
    const retries = await metric(t, 'gateway_oss_retries_total{');
    expect(retries).toContain(`gateway_oss_retries_total{operation="${OPERATION}",reason="server-error"} 10`);
    // Every request but those that spent two retries ended on an empty quota (at most 5 spent two).
    const [exhausted] = await metric(t, 'gateway_oss_retry_quota_exhausted_total{');
    expect(Number(exhausted.split(' ').pop())).toBeGreaterThanOrEqual(LOAD - 5);
  });
});
