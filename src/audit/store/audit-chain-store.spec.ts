import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decisionInput, storedEvent } from '../__fixtures__/audit-events.js';
import { createPostgresTestSchema, resolvePostgresTestUrl } from '../__fixtures__/postgres-test-schema.js';
import { GENESIS_HASH, verifyAuditChains } from '../audit-chain.js';
import type { AuditEvent } from '../audit-event.js';
import { KyselyAuditStore } from './kysely-audit-store.js';
import { execSqliteFile } from '../__fixtures__/sqlite-test-file.js';

/*
 * The hash chain as the stores keep it (DESIGN §10): linking, restart, several instances on one
 * database, tampering found by the verifier, retention checkpoints, and keyset paging over ties.
 */

const pgUrl = await resolvePostgresTestUrl();
const tmp = mkdtempSync(join(tmpdir(), 'audit-chain-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Database_ {
  url: string;
  schema?: string;
  /** Runs SQL against the database behind the store's back (the tampering). */
  exec(statement: string): Promise<void>;
  drop(): Promise<void>;
}

let counter = 0;
const backends: Array<{ name: string; create(): Database_ }> = [
  {
    name: 'SQLite file',
    create: () => {
      counter += 1;
      const file = join(tmp, `chain-${counter}.db`);
      return {
        url: `sqlite:${file}`,
        exec: (statement) => execSqliteFile(file, statement),
        drop: () => Promise.resolve(),
      };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          create: (): Database_ => {
            const target = createPostgresTestSchema(pgUrl);
            return {
              url: target.url,
              schema: target.schema,
              exec: async (statement) => {
                const client = new pg.Client({ connectionString: pgUrl });
                await client.connect();
                try {
                  await client.query(`set search_path to "${target.schema}"; ${statement}`);
                } finally {
                  await client.end();
                }
              },
              drop: () => target.drop(),
            };
          },
        },
      ]
    : []),
];

const events = (n: number, time = new Date('2025-05-01T00:00:00.000Z')): AuditEvent[] =>
  Array.from({ length: n }, (_, i) =>
    storedEvent(decisionInput({ time: new Date(time.getTime() + i), requestId: `req-${i}` })),
  );

describe.each(backends)('the audit hash chain on $name', (backend) => {
  let database: Database_;
  const opened: KyselyAuditStore[] = [];
  const open = async (instanceId: string): Promise<KyselyAuditStore> => {
    const store = KyselyAuditStore.open(database.url, {
      instanceId,
      ...(database.schema ? { schema: database.schema } : {}),
    });
    opened.push(store);
    await store.migrate();
    return store;
  };
  /** The seq of the event with this request id. */
  const seqOf = async (store: KyselyAuditStore, requestId: string): Promise<number> =>
    (await store.query({ requestId }, 1))[0].chain!.seq;

  beforeEach(() => {
    database = backend.create();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) {
      await store.close();
    }
    await database.drop();
  });

  it('numbers the events 1, 2, 3 … in the order written, each linked to the one before', async () => {
    const store = await open('gw-a');
    await store.insert(events(3));
    await store.insert(events(2, new Date('2025-05-02T00:00:00.000Z')));

    const chained = await store.chainedEvents(10);
    expect(chained.map((e) => [e.chain.instanceId, e.chain.seq, e.requestId])).toEqual([
      ['gw-a', 1, 'req-0'],
      ['gw-a', 2, 'req-1'],
      ['gw-a', 3, 'req-2'],
      ['gw-a', 4, 'req-0'],
      ['gw-a', 5, 'req-1'],
    ]);
    expect(chained[0].chain.previousHash).toBe(GENESIS_HASH);
    for (let i = 1; i < chained.length; i += 1) {
      expect(chained[i].chain.previousHash).toBe(chained[i - 1].chain.hash);
    }
    expect(await verifyAuditChains(store)).toMatchObject({ valid: true, eventsVerified: 5 });
  });

  it('continues its chain after a restart', async () => {
    const first = await open('gw-a');
    await first.insert(events(3));
    const head = await first.writtenHead();
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = await open('gw-a');
    expect(await second.writtenHead()).toEqual(head);
    await second.insert([storedEvent(decisionInput({ requestId: 'after-restart' }))]);
    expect(await seqOf(second, 'after-restart')).toBe(4);
    expect(await verifyAuditChains(second, { knownHead: (await second.writtenHead())! })).toMatchObject({
      valid: true,
      eventsVerified: 4,
    });
  });

  it('keeps one chain per instance on a shared database, written at the same time', async () => {
    const a = await open('gw-a');
    const b = await open('gw-b');
    await Promise.all([a.insert(events(4)), b.insert(events(3)), a.insert(events(2)), b.insert(events(1))]);

    const report = await verifyAuditChains(a, { pageSize: 3 });
    expect(report.valid).toBe(true);
    expect(report.chains.map((c) => [c.instanceId, c.firstSeq, c.lastSeq])).toEqual([
      ['gw-a', 1, 6],
      ['gw-b', 1, 4],
    ]);
  });

  it('re-reads the head after a failed write and goes on without a gap', async () => {
    const store = await open('gw-a');
    const [kept] = events(1);
    await store.insert([kept]);
    // The same id again: the batch is refused as a whole.
    await expect(store.insert([storedEvent(decisionInput({ requestId: 'lost' })), kept])).rejects.toThrow();
    await store.insert([storedEvent(decisionInput({ requestId: 'next' }))]);
    expect(await seqOf(store, 'next')).toBe(2);
    expect((await verifyAuditChains(store)).valid).toBe(true);
  });

  describe('tampering', () => {
    let store: KyselyAuditStore;
    beforeEach(async () => {
      store = await open('gw-a');
      await store.insert(events(5));
    });

    it('names a changed event: its id, instance, seq, and a hash mismatch', async () => {
      await database.exec(`update audit_events set principal = 'mallory' where seq = 3`);
      const [changed] = await store.query({ principal: 'mallory' }, 1);
      const report = await verifyAuditChains(store);
      expect(report.valid).toBe(false);
      expect(report.firstFailure).toMatchObject({
        reason: 'hash-mismatch',
        instanceId: 'gw-a',
        seq: 3,
        eventId: changed.id,
      });
    });

    it('names the event after a deleted one: missing seq', async () => {
      await database.exec(`delete from audit_events where seq = 2`);
      const [after] = (await store.chainedEvents(10)).filter((e) => e.chain.seq === 3);
      expect((await verifyAuditChains(store)).firstFailure).toMatchObject({
        reason: 'missing-seq',
        instanceId: 'gw-a',
        seq: 2,
        eventId: after.id,
      });
    });

    it('finds the newest event deleted, against the head the instance wrote', async () => {
      await database.exec(`delete from audit_events where seq = 5`);
      const report = await verifyAuditChains(store, { knownHead: (await store.writtenHead())! });
      expect(report.firstFailure).toMatchObject({ reason: 'head-mismatch', instanceId: 'gw-a', seq: 5 });
    });
  });

  describe('retention', () => {
    it('prunes each chain up to its last event older than the cutoff, records a checkpoint, and still verifies', async () => {
      const a = await open('gw-a');
      const b = await open('gw-b');
      await a.insert(events(4, new Date('2025-01-01T00:00:00.000Z')));
      await a.insert(events(3, new Date('2025-06-01T00:00:00.000Z')));
      await b.insert(events(2, new Date('2025-01-01T00:00:00.000Z')));
      await b.insert(events(1, new Date('2025-06-01T00:00:00.000Z')));
      const hashOfA4 = (await a.chainedEvents(10)).find((e) => e.chain.seq === 4)!.chain.hash;

      const result = await a.prune(new Date('2025-03-01T00:00:00.000Z'));
      expect(result.deleted).toBe(6);
      expect(result.checkpoints.map((c) => [c.instanceId, c.seq])).toEqual(
        expect.arrayContaining([
          ['gw-a', 4],
          ['gw-b', 2],
        ]),
      );
      expect(result.checkpoints.find((c) => c.instanceId === 'gw-a')?.hash).toBe(hashOfA4);

      const report = await verifyAuditChains(a, { knownHead: (await a.writtenHead())! });
      expect(report).toMatchObject({ valid: true, eventsVerified: 4 });
      expect(report.chains.map((c) => [c.instanceId, c.firstSeq, c.lastSeq, c.checkpoint?.seq])).toEqual([
        ['gw-a', 5, 7, 4],
        ['gw-b', 3, 3, 2],
      ]);
      // A second prune with the same cutoff finds nothing more.
      expect((await a.prune(new Date('2025-03-01T00:00:00.000Z'))).deleted).toBe(0);
    });

    it('continues a chain that was pruned empty from its checkpoint after a restart', async () => {
      const first = await open('gw-a');
      await first.insert(events(3, new Date('2025-01-01T00:00:00.000Z')));
      await first.prune(new Date('2025-03-01T00:00:00.000Z'));
      await first.close();
      opened.splice(opened.indexOf(first), 1);

      const second = await open('gw-a');
      await second.insert([storedEvent(decisionInput({ requestId: 'after' }))]);
      expect(await seqOf(second, 'after')).toBe(4);
      expect(await verifyAuditChains(second)).toMatchObject({ valid: true, eventsVerified: 1 });
    });

    it('still finds a deletion right after the checkpoint', async () => {
      const store = await open('gw-a');
      await store.insert(events(3, new Date('2025-01-01T00:00:00.000Z')));
      await store.insert(events(3, new Date('2025-06-01T00:00:00.000Z')));
      await store.prune(new Date('2025-03-01T00:00:00.000Z'));
      await database.exec(`delete from audit_events where seq = 4`);
      expect((await verifyAuditChains(store)).firstFailure).toMatchObject({ reason: 'missing-seq', seq: 4 });
    });
  });

  it('pages newest first over equal timestamps: every event exactly once, with and without filters', async () => {
    const store = await open('gw-a');
    const same = new Date('2025-05-01T00:00:00.000Z');
    const written = Array.from({ length: 23 }, (_, i) =>
      storedEvent(
        decisionInput({
          time: i % 5 === 0 ? new Date(same.getTime() + i) : same,
          requestId: `tie-${i}`,
          principal: i % 2 === 0 ? 'alice' : 'bob',
        }),
      ),
    );
    await store.insert(written);
    for (const filter of [{}, { principal: 'alice' }, { principal: 'bob', bucket: 'source-bucket' }]) {
      const seen: string[] = [];
      let after: { time: Date; id: string } | undefined;
      for (;;) {
        const page = await store.query(filter, 4, after);
        seen.push(...page.map((e) => e.id));
        const last = page.at(-1);
        if (page.length < 4 || !last) {
          break;
        }
        after = { time: last.time, id: last.id };
      }
      const expected = written
        .filter((e) => !('principal' in filter) || e.principal === filter.principal)
        .sort((x, y) => y.time.getTime() - x.time.getTime() || (x.id < y.id ? 1 : -1))
        .map((e) => e.id);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
    }
  });
});
