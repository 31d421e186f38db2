import { createServer, type Server, type Socket, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { HealthRegistry } from '../health/health-indicator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { decisionInput, ossCallInput } from './__fixtures__/audit-events.js';
import { FaultyAuditStore } from './__fixtures__/faulty-audit-store.js';
import { createPostgresTestSchema, resolvePostgresTestUrl } from './__fixtures__/postgres-test-schema.js';
import { AuditService, type AuditServiceSettings } from './audit.service.js';
import { KyselyAuditStore } from './store/kysely-audit-store.js';

const pgUrl = await resolvePostgresTestUrl();
const tmp = mkdtempSync(join(tmpdir(), 'audit-service-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SETTINGS: AuditServiceSettings = { flushIntervalMs: 100, batchSize: 10, random: () => 0.5 };

async function metricValue(metrics: MetricsService, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

async function started(
  settings: Partial<AuditServiceSettings> = {},
  inner = KyselyAuditStore.open('sqlite::memory:'),
): Promise<{
  service: AuditService;
  store: FaultyAuditStore;
  metrics: MetricsService;
  health: HealthRegistry;
}> {
  const store = new FaultyAuditStore(inner);
  const metrics = new MetricsService();
  const health = new HealthRegistry();
  const service = new AuditService(store, { ...SETTINGS, ...settings }, metrics, health);
  await service.onModuleInit();
  return { service, store, metrics, health };
}

/** The request ids stored, newest first. */
async function storedRequestIds(service: AuditService): Promise<string[]> {
  return (await service.query({})).items.map((e) => e.requestId);
}

async function stop(service: AuditService): Promise<void> {
  await service.beforeApplicationShutdown();
  await service.onApplicationShutdown();
}

/** Lets every pending promise job run (setImmediate is never faked here), without moving fake time. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let errorLog: { mock: { calls: unknown[][] } };
let warnLog: { mock: { calls: unknown[][] } };
/** The messages a Logger spy received. */
const logged = (spy: { mock: { calls: unknown[][] } }): string[] => spy.mock.calls.map((c) => String(c[0]));

beforeEach(() => {
  errorLog = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  warnLog = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe(AuditService.name, () => {
  describe('batching', () => {
    it('returns from record at once and writes the batch when the flush interval elapses', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { service, store } = await started({ flushIntervalMs: 200 });

      service.record(decisionInput({ requestId: 'a' }));
      service.record(decisionInput({ requestId: 'b' }));
      expect(store.attempts).toBe(0);
      expect(service.pending).toBe(2);

      await vi.advanceTimersByTimeAsync(199);
      expect(store.attempts).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(store.inserts).toEqual([2]));
      expect(service.pending).toBe(0);
      await stop(service);
    });

    it('writes as soon as batchSize events are waiting, without waiting for the interval', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000, batchSize: 5 });
      for (let i = 0; i < 5; i += 1) {
        service.record(decisionInput({ requestId: `r${i}` }));
      }
      await vi.waitFor(() => expect(store.inserts).toEqual([5]));
      await stop(service);
    });

    it('leaves what arrives during a write for the next interval, unless a full batch is waiting', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { service, store } = await started({ flushIntervalMs: 200, batchSize: 5 });
      const recordMany = (prefix: string, count: number): void => {
        for (let i = 0; i < count; i += 1) {
          service.record(decisionInput({ requestId: `${prefix}${i}` }));
        }
      };
      /** Holds the store's writes until the returned function lets them (and every later one) go. */
      const holdWrites = (): (() => void) => {
        let release = (): void => undefined;
        store.hold = new Promise((resolve) => (release = resolve));
        return () => {
          store.hold = undefined;
          release();
        };
      };

      let release = holdWrites();
      recordMany('full', 5);
      await nextTurn();
      expect(store.attempts).toBe(1);
      // Arrive while the first batch is being written: not enough for a batch of their own.
      recordMany('late', 3);
      release();
      await nextTurn();
      expect(store.inserts).toEqual([5]);
      await vi.advanceTimersByTimeAsync(199);
      expect(store.inserts).toEqual([5]);
      expect(service.pending).toBe(3);
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(store.inserts).toEqual([5, 3]));

      // A full batch that arrives during a write goes out right after it.
      release = holdWrites();
      recordMany('again', 5);
      await nextTurn();
      expect(store.attempts).toBe(3);
      recordMany('busy', 5);
      release();
      await nextTurn();
      expect(store.inserts).toEqual([5, 3, 5, 5]);
      await stop(service);
    });

    it('flush writes everything queued in batches of at most batchSize', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000, batchSize: 4 });
      store.down = true;
      for (let i = 0; i < 11; i += 1) {
        service.record(decisionInput({ requestId: `r${i}` }));
      }
      store.down = false;
      await service.flush();
      expect(store.inserts).toEqual([4, 4, 3]);
      expect((await service.query({}, 50)).items).toHaveLength(11);
      await stop(service);
    });

    it('assigns time-ordered ids and the bucket of the resource', async () => {
      const { service } = await started();
      service.record(decisionInput({ requestId: 'first' }));
      service.record(decisionInput({ requestId: 'second', resource: '*' }));
      const { items } = await service.query({}, 10);
      const [second, first] = items;
      expect(first?.bucket).toBe('source-bucket');
      expect(second?.bucket).toBeUndefined();
      expect(first.id < second.id).toBe(true);
      await stop(service);
    });
  });

  describe('queries', () => {
    it('shows what this instance recorded at once (read your writes)', async () => {
      const { service } = await started({ flushIntervalMs: 60_000 });
      service.record(ossCallInput({ requestId: 'just-now' }));
      const { items } = await service.query({ requestId: 'just-now' });
      expect(items.map((e) => e.operation)).toEqual(['PutBucketRTC']);
      await stop(service);
    });

    it('pages newest first with an opaque cursor and ends with a null cursor', async () => {
      const { service } = await started();
      const start = Date.parse('2025-05-01T00:00:00Z');
      for (let i = 0; i < 5; i += 1) {
        service.record(decisionInput({ requestId: `r${i}`, time: new Date(start + i * 1000) }));
      }
      const one = await service.query({}, 2);
      const two = await service.query({}, 2, one.nextCursor!);
      const three = await service.query({}, 2, two.nextCursor!);
      expect([...one.items, ...two.items, ...three.items].map((e) => e.requestId)).toEqual([
        'r4',
        'r3',
        'r2',
        'r1',
        'r0',
      ]);
      expect(one.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(three.nextCursor).toBeNull();
      await stop(service);
    });

    it('keeps a cursor stable when newer events arrive between pages', async () => {
      const { service } = await started();
      const start = Date.parse('2025-05-01T00:00:00Z');
      for (let i = 0; i < 4; i += 1) {
        service.record(decisionInput({ requestId: `r${i}`, time: new Date(start + i * 1000) }));
      }
      const one = await service.query({}, 2);
      service.record(decisionInput({ requestId: 'newer', time: new Date(start + 60_000) }));
      const two = await service.query({}, 2, one.nextCursor!);
      expect(two.items.map((e) => e.requestId)).toEqual(['r1', 'r0']);
      await stop(service);
    });

    it.each([0, 501, 2.5])('rejects a page size of %s', async (first) => {
      const { service } = await started();
      await expect(service.query({}, first)).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      await stop(service);
    });

    it.each(['not a cursor', Buffer.from('v1|yesterday|abc').toString('base64url'), 'AAAA'])(
      'rejects the cursor %j as invalid input',
      async (after) => {
        const { service } = await started();
        const error = await service.query({}, 10, after).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({
          code: ErrorCode.ValidationFailed,
          details: { errors: [expect.objectContaining({ field: 'after' })] },
        });
        await stop(service);
      },
    );

    it('answers 503 AuditUnavailable when the store cannot be read', async () => {
      const { service, store } = await started();
      store.down = true;
      await expect(service.query({})).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
      expect(service.available).toBe(false);
      store.down = false;
      await stop(service);
    });
  });

  describe('outages', () => {
    it('keeps events queued while the store is down, reports it, and writes them after recovery', async () => {
      const { service, store, health, metrics } = await started({ flushIntervalMs: 60_000 });
      store.down = true;
      service.record(decisionInput({ requestId: 'during-outage' }));

      await expect(service.flush()).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
      await expect(service.flush()).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
      expect(service.available).toBe(false);
      expect(service.pending).toBe(1);
      expect(() => service.requireAvailable()).toThrow(
        expect.objectContaining({ code: ErrorCode.AuditUnavailable }),
      );
      expect(await health.checkAll()).toEqual([
        [
          'audit',
          {
            status: 'down',
            detail:
              'audit store not accepting writes (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432); 1 events queued',
          },
        ],
      ]);
      // Two flushes and the readiness check's retry of the queued event.
      expect(await metricValue(metrics, 'gateway_audit_write_failures_total')).toBe(3);
      // The outage is logged once, not once per failed attempt, and names no secret.
      const outageLogs = logged(errorLog).filter((m) => m.includes('unavailable'));
      expect(outageLogs).toHaveLength(1);
      expect(outageLogs[0]).toContain('ECONNREFUSED');

      store.down = false;
      await service.flush();
      expect(service.available).toBe(true);
      expect(service.pending).toBe(0);
      expect(() => service.requireAvailable()).not.toThrow();
      expect(logged(warnLog).filter((m) => m.includes('accepts writes again'))).toHaveLength(1);
      expect((await service.query({ requestId: 'during-outage' })).items).toHaveLength(1);
      expect(await metricValue(metrics, 'gateway_audit_events_written_total')).toBe(1);
      await stop(service);
    });

    it('retries in the background with exponential backoff until the store answers', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { service, store } = await started({ flushIntervalMs: 100 });
      store.down = true;
      service.record(decisionInput());

      await vi.advanceTimersByTimeAsync(100); // first attempt at the flush interval
      expect(store.attempts).toBe(1);
      await vi.advanceTimersByTimeAsync(100); // backoff 100 ms
      expect(store.attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(199); // backoff 200 ms: not yet
      expect(store.attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(store.attempts).toBe(3);
      expect(service.available).toBe(false);

      store.down = false;
      await vi.advanceTimersByTimeAsync(400);
      await vi.waitFor(() => expect(store.inserts).toEqual([1]));
      expect(service.available).toBe(true);
      await stop(service);
    });

    it('notices recovery through a probe even with nothing to write', async () => {
      const { service, store, health } = await started();
      store.down = true;
      await expect(service.query({})).rejects.toThrow();
      expect(service.available).toBe(false);
      store.down = false;
      expect(await health.checkAll()).toEqual([['audit', { status: 'up' }]]);
      expect(service.available).toBe(true);
      await stop(service);
    });

    it('drops nothing past maxQueue: it reports a backlog until the queue drains', async () => {
      const { service, store, metrics } = await started({ flushIntervalMs: 60_000, maxQueue: 3 });
      store.down = true;
      for (let i = 0; i < 5; i += 1) {
        service.record(decisionInput({ requestId: `r${i}` }));
      }
      expect(service.pending).toBe(5);
      expect(service.backlogged).toBe(true);
      expect(await metricValue(metrics, 'gateway_audit_events_dropped_total')).toBe(0);
      expect(await metricValue(metrics, 'gateway_audit_queue_depth')).toBe(5);
      expect(logged(warnLog).filter((m) => m.includes('AUDIT_BACKPRESSURE'))).toHaveLength(1);
      store.down = false;
      await service.flush();
      expect(service.backlogged).toBe(false);
      expect((await service.query({})).items.map((e) => e.requestId)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
      await stop(service);
    });

    it('starts writing at once when the queue reaches maxQueue, without waiting for the interval', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000, maxQueue: 3, batchSize: 10 });
      let release!: () => void;
      store.hold = new Promise((resolve) => (release = resolve));
      for (let i = 0; i < 3; i += 1) {
        service.record(decisionInput({ requestId: `r${i}` }));
      }
      // The write is under way (held); what arrives meanwhile is queued, never dropped.
      await nextTurn();
      service.record(decisionInput({ requestId: 'r3' }));
      expect(service.backlogged).toBe(true);
      release();
      await vi.waitFor(() => expect(store.inserts).toEqual([3]));
      expect(service.backlogged).toBe(false);
      // Below the backlog again, the rest waits for the interval like any batch.
      expect(service.pending).toBe(1);
      await stop(service);
    });

    it('stays down while the store answers pings but refuses inserts, and only a write ends it', async () => {
      const { service, store, health } = await started({ flushIntervalMs: 60_000 });
      store.refuseWrites = true;
      // With nothing queued, readiness probes with an insert (rolled back): a ping would answer.
      expect((await health.checkAll())[0]?.[1].status).toBe('down');
      expect(service.available).toBe(false);
      service.record(decisionInput({ requestId: 'queued-while-refused' }));
      for (let i = 0; i < 3; i += 1) {
        expect((await health.checkAll())[0]?.[1].status).toBe('down');
        expect(service.available).toBe(false);
      }
      store.refuseWrites = false;
      expect(await health.checkAll()).toEqual([['audit', { status: 'up' }]]);
      expect(service.available).toBe(true);
      expect((await service.query({ requestId: 'queued-while-refused' })).items).toHaveLength(1);
      await stop(service);
    });

    it('starts down when the store accepts the migration but refuses inserts', async () => {
      const store = new FaultyAuditStore(KyselyAuditStore.open('sqlite::memory:'));
      store.refuseWrites = true;
      const service = new AuditService(store, { ...SETTINGS, flushIntervalMs: 60_000 });
      await service.onModuleInit();
      expect(service.available).toBe(false);
      await stop(service);
    });

    it('starts unavailable when the store cannot be migrated, and migrates once it can', async () => {
      const inner = KyselyAuditStore.open('sqlite::memory:');
      const store = new FaultyAuditStore(inner);
      store.down = true;
      const service = new AuditService(store, { ...SETTINGS, flushIntervalMs: 60_000 });
      await service.onModuleInit();
      expect(service.available).toBe(false);
      service.record(decisionInput());
      store.down = false;
      await service.flush();
      expect(service.available).toBe(true);
      expect((await service.query({})).items).toHaveLength(1);
      await stop(service);
    });
  });

  describe('durable writes', () => {
    it('resolves committed only once the event and everything queued before it are written', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000, batchSize: 500 });
      service.record(decisionInput({ requestId: 'read-before' }));
      const seq = service.record(decisionInput({ requestId: 'mutation' }));
      let release!: () => void;
      store.hold = new Promise((resolve) => (release = resolve));
      let done = false;
      const committed = service.committed(seq).then(() => (done = true));
      await nextTurn();
      expect(done).toBe(false);
      release();
      await committed;
      // One transaction, in order, started at once (the flush interval is a minute).
      expect(store.inserts).toEqual([2]);
      const stored = await storedRequestIds(service);
      expect(stored).toEqual(['mutation', 'read-before']);
      await stop(service);
    });

    it('commits concurrent durable events together (group commit)', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000, batchSize: 500 });
      let release!: () => void;
      store.hold = new Promise((resolve) => (release = resolve));
      const first = service.recordDurably(decisionInput({ requestId: 'm0' }));
      await nextTurn();
      // While the first transaction is held, nine more mutations arrive: one more transaction for all.
      const rest = Array.from({ length: 9 }, (_, i) =>
        service.recordDurably(decisionInput({ requestId: `m${i + 1}` })),
      );
      release();
      await Promise.all([first, ...rest]);
      expect(store.inserts).toEqual([1, 9]);
      await stop(service);
    });

    it('rejects with AuditUnavailable when the write fails, keeping the event queued for later', async () => {
      const { service, store } = await started({ flushIntervalMs: 60_000 });
      store.refuseWrites = true;
      await expect(service.recordDurably(decisionInput({ requestId: 'refused' }))).rejects.toMatchObject({
        code: ErrorCode.AuditUnavailable,
      });
      expect(service.available).toBe(false);
      // While the store is down a durable write fails at once, without another attempt.
      const attempts = store.attempts;
      await expect(service.recordDurably(decisionInput())).rejects.toMatchObject({
        code: ErrorCode.AuditUnavailable,
      });
      expect(store.attempts).toBe(attempts);
      store.refuseWrites = false;
      await service.flush();
      expect((await service.query({ requestId: 'refused' })).items).toHaveLength(1);
      await stop(service);
    });

    it('counts repeats into the queued event, and asks for a new one once it was written', async () => {
      const { service } = await started({ flushIntervalMs: 60_000 });
      const seq = service.record(decisionInput({ requestId: 'aliases' }));
      expect(service.repeat(seq)).toBe(true);
      expect(service.repeat(seq)).toBe(true);
      await service.flush();
      expect(service.repeat(seq)).toBe(false);
      const [event] = (await service.query({ requestId: 'aliases' })).items;
      expect(event?.repeats).toBe(3);
      await stop(service);
    });
  });

  describe('shutdown', () => {
    it('writes every queued event before the store closes', async () => {
      const url = `sqlite:${join(tmp, 'shutdown', 'gateway.db')}`;
      const { service } = await started(
        { flushIntervalMs: 60_000, batchSize: 1_000 },
        KyselyAuditStore.open(url),
      );
      for (let i = 0; i < 25; i += 1) {
        service.record(decisionInput({ requestId: `r${i}` }));
      }
      await stop(service);

      const reopened = KyselyAuditStore.open(url);
      expect(await reopened.query({}, 100)).toHaveLength(25);
      await reopened.close();
    });

    it('reports events it could not write at shutdown as lost', async () => {
      const { service, store, metrics } = await started({ flushIntervalMs: 1, shutdownAttempts: 2 });
      store.down = true;
      service.record(decisionInput());
      await service.beforeApplicationShutdown();
      expect(store.attempts).toBeGreaterThanOrEqual(2);
      expect(logged(errorLog).some((m) => m.includes('LOST AT SHUTDOWN: 1 events'))).toBe(true);
      expect(await metricValue(metrics, 'gateway_audit_events_dropped_total')).toBe(1);
      await service.onApplicationShutdown();
    });
  });
});

/** A TCP relay to PostgreSQL that the test can cut and restore, on a fixed loopback port. */
class CuttableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe.skipIf(!pgUrl)(`${AuditService.name} on PostgreSQL`, () => {
  it('survives a real connection outage: unavailable while cut, then writes the queued events', async () => {
    const target = new URL(pgUrl!);
    const relay = new CuttableRelay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay.open();
    const schema = createPostgresTestSchema(pgUrl!);
    const relayed = new URL(pgUrl!);
    relayed.port = String(relay.port);
    const store = KyselyAuditStore.open(relayed.toString(), {
      schema: schema.schema,
      connectTimeoutMs: 1_000,
    });
    const metrics = new MetricsService();
    const health = new HealthRegistry();
    const service = new AuditService(store, { ...SETTINGS, flushIntervalMs: 60_000 }, metrics, health);
    try {
      await service.onModuleInit();
      service.record(decisionInput({ requestId: 'before' }));
      await service.flush();

      await relay.cut();
      service.record(decisionInput({ requestId: 'during' }));
      await expect(service.flush()).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
      expect(service.available).toBe(false);
      expect((await health.checkAll())[0]?.[1].status).toBe('down');

      await relay.open();
      await service.flush();
      expect(service.available).toBe(true);
      const { items } = await service.query({});
      expect(items.map((e) => e.requestId)).toEqual(['during', 'before']);
    } finally {
      await stop(service);
      await relay.cut();
      await schema.drop();
    }
  });

  it('writes and pages through PostgreSQL like through SQLite', async () => {
    const schema = createPostgresTestSchema(pgUrl!);
    const store = KyselyAuditStore.open(schema.url, { schema: schema.schema });
    const service = new AuditService(store, { ...SETTINGS, batchSize: 3 });
    try {
      await service.onModuleInit();
      const start = Date.parse('2025-05-01T00:00:00Z');
      for (let i = 0; i < 7; i += 1) {
        service.record(decisionInput({ requestId: `r${i}`, time: new Date(start + i) }));
      }
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await service.query({ principal: 'billing-service' }, 3, after);
        seen.push(...page.items.map((e) => e.requestId));
        after = page.nextCursor ?? undefined;
      } while (after);
      expect(seen).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    } finally {
      await stop(service);
      await schema.drop();
    }
  });
});
