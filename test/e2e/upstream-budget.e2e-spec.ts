import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { MAX_UPSTREAM_CALLS_VARIABLE } from '../../src/replication/request-upstream.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * DESIGN §9: within one request identical upstream reads are made once, at most
 * GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST OSS calls are made, and a client that goes away cancels
 * the pending calls and their retries. Counted where it matters: at the emulator (its request log).
 */

describe('bounded upstream work per request (e2e against the OSS emulator)', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  /** One line per request the emulator answered: `METHOD path Operation status …`. */
  const seen: string[] = [];
  const admin = principalWithKey('budget-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const asAdmin = { 'x-api-key': admin.secret };
  let bucketCounter = 0;

  function newBucket(): string {
    bucketCounter += 1;
    const name = `budget-src-${bucketCounter}`;
    emulator.admin.createBucket(name, 'cn-hangzhou');
    return name;
  }

  /** GetBucketReplication requests the emulator answered for `bucket`. */
  function replicationReads(bucket: string): number {
    return seen.filter((line) => line.includes(`/${bucket}/`) && line.includes(' GetBucketReplication '))
      .length;
  }

  /** The request's oss-call audit events, once at least one is written (the audit queue is asynchronous). */
  async function ossCallEvents(requestId: string): Promise<AuditEvent[]> {
    const audit = t.app.get(AuditService);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      await audit.flush();
      const page = await audit.query({ requestId, kind: 'oss-call' }, 100);
      if (page.items.length > 0) {
        return page.items;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return [];
  }

  function appWith(overrides: Record<string, string> = {}): Promise<TestApp> {
    return createTestApp({
      ...emulatorEnv(emulator),
      OSS_ACCOUNT_ID: '1234567890123456',
      GATEWAY_PRINCIPALS_FILE: principals.file,
      ...overrides,
    });
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      faults: true,
      clockSkewSeconds: 'off',
      logger: (line) => seen.push(line),
    });
    principals = writePrincipalsFile({ principals: [admin.entry] });
    t = await appWith();
  });

  afterEach(async () => {
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  it('makes one GetBucketReplication for 20 aliases of replicationRules of one bucket', async () => {
    const bucket = newBucket();
    const fields = Array.from(
      { length: 20 },
      (_, i) => `r${i}: replicationRules(bucket: "${bucket}") { id }`,
    );
    const res = await t.graphql(`{ ${fields.join('\n')} }`, {}, asAdmin).expect(200);

    expect(res.body.errors).toBeUndefined();
    expect(Object.keys(res.body.data)).toHaveLength(20);
    expect(Object.values(res.body.data).every((rules) => Array.isArray(rules))).toBe(true);
    expect(replicationReads(bucket)).toBe(1);
    // One event per real OSS call: the read, and at most one region lookup (shared by the 20 fields).
    const events = await ossCallEvents(String(res.headers['x-request-id']));
    expect(events.filter((e) => e.operation === 'GetBucketReplication')).toHaveLength(1);
    expect(events.filter((e) => e.operation === 'GetBucketLocation').length).toBeLessThanOrEqual(1);
  });

  it('answers the fields over the budget with BAD_USER_INPUT and extensions.limit; the others keep their data', async () => {
    const small = await appWith({ [MAX_UPSTREAM_CALLS_VARIABLE]: '3' });
    try {
      const buckets = Array.from({ length: 5 }, () => newBucket());
      const fields = buckets.map((b, i) => `b${i}: replicationRules(bucket: "${b}") { id }`);
      const res = await small.graphql(`{ ${fields.join('\n')} }`, {}, asAdmin).expect(200);

      const answered = Object.values(res.body.data as Record<string, unknown>).filter((v) => v !== null);
      expect(answered).toHaveLength(3);
      expect(res.body.errors).toHaveLength(2);
      for (const error of res.body.errors as Array<{ extensions: Record<string, unknown> }>) {
        expect(error.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          limit: { name: MAX_UPSTREAM_CALLS_VARIABLE, max: 3 },
        });
      }
      const calls = buckets.reduce((sum, b) => sum + replicationReads(b), 0);
      expect(calls).toBeLessThanOrEqual(3);
    } finally {
      await small.close();
    }
  });

  it('answers a REST request over the budget with a 400 problem naming the limit, sending no write', async () => {
    const tiny = await appWith({ [MAX_UPSTREAM_CALLS_VARIABLE]: '1' });
    try {
      const source = newBucket();
      const destination = newBucket();
      await tiny.request.get(`/v1/buckets/${source}/replication/rules`).set(asAdmin).expect(200);
      const res = await tiny.request
        .post(`/v1/buckets/${source}/replication/rules`)
        .set(asAdmin)
        .send({ destination: { bucket: destination, location: 'oss-cn-hangzhou' } })
        .expect(400);
      expect(res.body).toMatchObject({
        code: 'BAD_USER_INPUT',
        limit: { name: MAX_UPSTREAM_CALLS_VARIABLE, max: 1 },
      });
      expect(seen.filter((line) => line.includes(' PutBucketReplication '))).toHaveLength(0);
    } finally {
      await tiny.close();
    }
  });

  it('stops retrying once the client disconnects', async () => {
    const retrying = await appWith({
      OSS_MAX_ATTEMPTS: '10',
      OSS_RETRY_BASE_DELAY_MS: '20',
      OSS_RETRY_MAX_DELAY_MS: '20',
      OSS_RETRY_BUDGET_MS: '600000',
    });
    try {
      await retrying.app.listen(0, '127.0.0.1');
      const { port } = retrying.app.getHttpServer().address() as AddressInfo;
      const bucket = newBucket();
      // Every GetBucketReplication is slow and fails retryably: ten attempts would take seconds.
      const fault = await fetch(`${emulator.url}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operation: 'GetBucketReplication', latencyMs: 200, status: 503 }),
      });
      expect(fault.status).toBe(201);

      const client = new AbortController();
      const pending = fetch(`http://127.0.0.1:${port}/v1/buckets/${bucket}/replication/rules`, {
        headers: asAdmin,
        signal: client.signal,
      }).catch((error: unknown) => error);
      await waitUntil(() => replicationReads(bucket) >= 1);
      client.abort();
      await pending;
      const atDisconnect = replicationReads(bucket);

      // Long enough for several more attempts (200 ms each) had the retries gone on.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // The attempt in flight at the disconnect may still reach the emulator's log; nothing after it.
      expect(replicationReads(bucket)).toBeLessThanOrEqual(atDisconnect + 1);
      expect(replicationReads(bucket)).toBeLessThan(10);
    } finally {
      await retrying.close();
    }
  });
});

/** Polls `condition` for up to 10 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}
