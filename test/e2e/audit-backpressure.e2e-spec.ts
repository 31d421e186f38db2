import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { seedDemoWithOwnClient } from '../../src/emulator/demo-seed.js';
import { type Emulator, startEmulator } from '../../src/emulator/emulator-server.js';
import {
  type AuditBackend,
  auditBackendNames,
  createAuditBackend,
  durabilityCallers,
  RTC_PATH,
} from '../fixtures/audit-durability.js';
import { type PrincipalsFile, writePrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/**
 * DESIGN §10 "no drops, backpressure instead": a read-only key floods with GraphQL aliases while the
 * store is slow (its writes held); past AUDIT_MAX_QUEUE new requests get 503 AUDIT_BACKPRESSURE, an
 * admin's change is refused or audited — never applied unaudited — and nothing is dropped. Twenty
 * aliases of one field are one decision event that counts them.
 */
const MAX_QUEUE = 40;
const ALIASES = 20;
const FLOOD = `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: replicationRules(bucket: "demo-source") { id }`).join(' ')} }`;

describe.each(await auditBackendNames())('a flood of aliases from a read-only key (%s)', (name) => {
  const callers = durabilityCallers();
  let backend: AuditBackend;
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let gateway: TestApp;

  beforeAll(async () => {
    backend = await createAuditBackend(name, 'audit_flood');
    emulator = await startEmulator({ port: 0, replication: { tickMs: 0 } });
    await seedDemoWithOwnClient(emulator);
    principals = writePrincipalsFile(callers.document);
    gateway = await createTestApp({
      ...emulatorEnv(emulator),
      DATABASE_URL: backend.url,
      GATEWAY_PRINCIPALS_FILE: principals.file,
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1',
      AUDIT_MAX_QUEUE: String(MAX_QUEUE),
      AUDIT_RETRY_MAX_DELAY_MS: '200',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
    await backend?.drop();
    principals?.cleanup();
  });

  const flood = (requestId: string) =>
    gateway.request
      .post('/graphql')
      .set({ 'x-api-key': callers.reader, 'x-request-id': requestId })
      .send({ query: FLOOD });
  const adminRtc = (requestId: string) =>
    gateway.request
      .put(RTC_PATH)
      .set({ 'x-api-key': callers.admin, 'x-request-id': requestId })
      .send({ enabled: true });

  it('refuses new requests with AUDIT_BACKPRESSURE instead of dropping, and never lets a change through unaudited', async () => {
    const release = await backend.holdWrites();
    const codes: string[] = [];
    const admitted: string[] = [];
    // The admin's changes wait on the held store (or are refused): answered after the release.
    const pendingAdmin: Array<Promise<{ id: string; status: number; code?: string; retryAfter?: string }>> =
      [];
    try {
      for (let wave = 0; wave < 8; wave += 1) {
        const id = `admin-${wave}`;
        pendingAdmin.push(
          adminRtc(id).then((res) => ({
            id,
            status: res.status,
            code: res.body.code as string | undefined,
            retryAfter: res.headers['retry-after'],
          })),
        );
        const ids = Array.from({ length: 10 }, (_, i) => `flood-${wave}-${i}`);
        const answers = await Promise.all(ids.map((floodId) => flood(floodId)));
        answers.forEach((res, i) => {
          const errors = (res.body.errors ?? []) as Array<{ extensions: { code: string } }>;
          if (errors.length === 0) {
            admitted.push(ids[i]);
          }
          codes.push(...errors.map((e) => e.extensions.code));
        });
      }
    } finally {
      await release();
    }
    const admin = await Promise.all(pendingAdmin);
    for (const answer of admin) {
      if (answer.status !== 200) {
        // Refused: the backlog, or a write that timed out on the held store — never applied unaudited.
        expect(answer.status, JSON.stringify(answer)).toBe(503);
        expect(['AUDIT_BACKPRESSURE', 'SERVICE_UNAVAILABLE']).toContain(answer.code);
        expect(answer.retryAfter).toMatch(/^\d+$/);
      }
    }
    // The backlog was reached and answered with backpressure, nothing else went wrong.
    expect(codes).toContain('AUDIT_BACKPRESSURE');
    expect(new Set(codes)).toEqual(new Set(['AUDIT_BACKPRESSURE']));
    expect(admin.some((a) => a.code === 'AUDIT_BACKPRESSURE')).toBe(true);

    // Once the store takes writes again the queue drains and requests are admitted again.
    await expect
      .poll(async () => (await gateway.request.get('/health/ready')).status, { timeout: 20_000 })
      .toBe(200);
    await expect
      .poll(async () => (await flood('after-drain')).body.errors as unknown, { timeout: 20_000 })
      .toBeUndefined();
    const late = await adminRtc('admin-after-drain');
    expect(late.status).toBe(200);
    admin.push({ id: 'admin-after-drain', status: 200 });

    const metrics = await gateway.request.get('/metrics');
    expect(metrics.text).toMatch(/^gateway_audit_events_dropped_total 0$/m);

    const store = backend.open();
    try {
      const events: AuditEvent[] = [];
      for (let after: { time: Date; id: string } | undefined; ;) {
        const page = await store.query({}, 500, after);
        events.push(...page);
        if (page.length < 500) {
          break;
        }
        after = { time: page.at(-1)!.time, id: page.at(-1)!.id };
      }
      // Every change the admin was answered 200 for has its decision and its PutBucketRtc stored.
      for (const { id } of admin.filter((a) => a.status === 200)) {
        const mine = events.filter((e) => e.requestId === id);
        expect(
          mine.filter((e) => e.kind === 'decision'),
          id,
        ).toHaveLength(1);
        expect(
          mine.filter((e) => e.operation === 'PutBucketRtc'),
          id,
        ).toHaveLength(1);
      }
      // Every admitted flood request: one decision event counting its twenty aliases.
      expect(admitted.length).toBeGreaterThan(0);
      for (const id of admitted) {
        const decisions = events.filter((e) => e.requestId === id && e.kind === 'decision');
        expect(
          decisions.map((e) => e.repeats),
          id,
        ).toEqual([ALIASES]);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
