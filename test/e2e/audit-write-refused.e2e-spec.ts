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
  RULES_PATH,
} from '../fixtures/audit-durability.js';
import { type PrincipalsFile, writePrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/**
 * DESIGN §10 "readiness tells the truth": a store that answers pings but refuses inserts (a trigger
 * that raises on insert into the audit table) is down — readiness 503 for the whole window, mutations
 * refused before anything reaches OSS — and once inserts work again nothing recorded meanwhile is lost.
 */
describe.each(await auditBackendNames())(
  'an audit store refusing inserts while answering pings (%s)',
  (name) => {
    const callers = durabilityCallers();
    let backend: AuditBackend;
    let emulator: Emulator;
    let principals: PrincipalsFile;
    let gateway: TestApp;
    const ossLog: string[] = [];

    beforeAll(async () => {
      backend = await createAuditBackend(name, 'audit_refused');
      emulator = await startEmulator({
        port: 0,
        replication: { tickMs: 0 },
        logger: (line) => ossLog.push(line),
      });
      await seedDemoWithOwnClient(emulator);
      principals = writePrincipalsFile(callers.document);
      gateway = await createTestApp({
        ...emulatorEnv(emulator),
        DATABASE_URL: backend.url,
        GATEWAY_PRINCIPALS_FILE: principals.file,
        GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1',
        AUDIT_FLUSH_INTERVAL_MS: '20',
        AUDIT_RETRY_MAX_DELAY_MS: '200',
      });
    });

    afterAll(async () => {
      await gateway?.close();
      await emulator?.close();
      await backend?.drop();
      principals?.cleanup();
    });

    const ready = () => gateway.request.get('/health/ready');
    const rtc = (requestId: string, dryRun = false) =>
      gateway.request
        .put(`${RTC_PATH}${dryRun ? '?dryRun=true' : ''}`)
        .set({ 'x-api-key': callers.admin, 'x-request-id': requestId })
        .send({ enabled: true });

    it('is not ready and refuses mutations for the whole window, then writes everything', async () => {
      expect((await ready()).status).toBe(200);
      await backend.exec(backend.refuseInserts.install);

      // The very first probe after the trigger appeared already says so: a ping would have answered.
      const first = await ready();
      expect(first.status).toBe(503);
      expect(first.body.checks.audit).toMatchObject({
        status: 'down',
        detail: expect.stringContaining('audit inserts refused (test)'),
      });
      await backend.exec('select 1');

      const ossBefore = ossLog.length;
      const refused: string[] = [];
      const reads: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        for (const [id, dryRun] of [
          [`refused-rtc-${i}`, false],
          [`refused-dry-run-${i}`, true],
        ] as const) {
          const res = await rtc(id, dryRun);
          expect(res.status, JSON.stringify(res.body)).toBe(503);
          expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'AuditUnavailable' });
          expect(res.headers['retry-after']).toMatch(/^\d+$/);
          refused.push(id);
        }
        const read = await gateway.request
          .get(RULES_PATH)
          .set({ 'x-api-key': callers.reader, 'x-request-id': `read-${i}` });
        expect(read.status).toBe(200);
        reads.push(`read-${i}`);
        expect((await ready()).status).toBe(503);
      }
      // Nothing was changed in OSS while the trail could not be written.
      expect(ossLog.slice(ossBefore).filter((line) => line.split(' ')[2] === 'PutBucketRTC')).toEqual([]);

      await backend.exec(backend.refuseInserts.remove);
      // The next probe writes what was queued: ready again at once.
      expect((await ready()).status).toBe(200);

      const store = backend.open();
      try {
        const events: AuditEvent[] = await store.query({}, 500);
        // Each read of the window: its decision and its GetBucketReplication, queued, then written.
        for (const id of reads) {
          const mine = events.filter((e) => e.requestId === id);
          expect(
            mine.filter((e) => e.kind === 'decision'),
            id,
          ).toHaveLength(1);
          expect(
            mine.filter((e) => e.operation === 'GetBucketReplication'),
            id,
          ).toHaveLength(1);
        }
        // The refused changes were turned away before they were authorized: no decision was made.
        expect(events.filter((e) => refused.includes(e.requestId))).toEqual([]);
      } finally {
        await store.close();
      }
      // And changes work again, audited.
      expect((await rtc('after-recovery')).status).toBe(200);
    });
  },
);
