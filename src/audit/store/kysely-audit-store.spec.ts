import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decisionInput, ossCallInput, storedEvent } from '../__fixtures__/audit-events.js';
import { createPostgresTestSchema, resolvePostgresTestUrl } from '../__fixtures__/postgres-test-schema.js';
import type { AuditEvent } from '../audit-event.js';
import { KyselyAuditStore } from './kysely-audit-store.js';

const pgUrl = await resolvePostgresTestUrl();
const tmp = mkdtempSync(join(tmpdir(), 'audit-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Backend {
  name: string;
  open(): Promise<{ store: KyselyAuditStore; cleanup: () => Promise<void> }>;
}

let fileCounter = 0;
const backends: Backend[] = [
  {
    name: 'SQLite in memory',
    open: () =>
      Promise.resolve({ store: KyselyAuditStore.open('sqlite::memory:'), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'SQLite file',
    open: () => {
      fileCounter += 1;
      const store = KyselyAuditStore.open(
        `sqlite:${join(tmp, `run-${fileCounter}`, 'nested', 'gateway.db')}`,
      );
      return Promise.resolve({ store, cleanup: () => Promise.resolve() });
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          open: () => {
            const target = createPostgresTestSchema(pgUrl);
            const store = KyselyAuditStore.open(target.url, { schema: target.schema });
            return Promise.resolve({ store, cleanup: () => target.drop() });
          },
        },
      ]
    : []),
];

/** Events one millisecond apart, oldest first. */
function timeline(count: number, start = Date.parse('2025-05-01T00:00:00.000Z')): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    storedEvent(decisionInput({ time: new Date(start + i), requestId: `req-${i}` })),
  );
}

describe.each(backends)(`${KyselyAuditStore.name} on $name`, (backend) => {
  let store: KyselyAuditStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await backend.open());
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('migrates idempotently', async () => {
    await expect(store.migrate()).resolves.toBeUndefined();
    await expect(store.query({}, 10)).resolves.toEqual([]);
  });

  it('reads back every field it wrote, with the bucket parsed from the resource', async () => {
    const decision = storedEvent(decisionInput());
    const call = storedEvent(ossCallInput({ dryRun: true }));
    await store.insert([decision, call]);

    const [newest, oldest] = await store.query({}, 10);
    expect(oldest).toEqual({ ...decision, bucket: 'source-bucket', chain: expect.any(Object) });
    expect(newest).toEqual({ ...call, bucket: 'source-bucket', chain: expect.any(Object) });
    expect(newest?.time).toBeInstanceOf(Date);
  });

  it('leaves the bucket empty when the resource names no single bucket', async () => {
    await store.insert([storedEvent(decisionInput({ action: 'gateway:ListAuditEvents', resource: '*' }))]);
    const [event] = await store.query({}, 1);
    expect(event?.bucket).toBeUndefined();
    expect(event?.resource).toBe('*');
  });

  it('returns events newest first, ties on time broken by id', async () => {
    const same = new Date('2025-05-02T00:00:00.000Z');
    const events = [
      ...timeline(3),
      storedEvent(decisionInput({ time: same, requestId: 'tie-a' })),
      storedEvent(decisionInput({ time: same, requestId: 'tie-b' })),
    ];
    await store.insert([...events].reverse());
    const got = await store.query({}, 10);
    expect(got.map((e) => e.requestId)).toEqual(['tie-b', 'tie-a', 'req-2', 'req-1', 'req-0']);
  });

  it('pages with a (time, id) position without skipping or repeating events', async () => {
    const events = timeline(7);
    // Two events share a timestamp across a page boundary.
    events[3] = { ...events[3], time: events[4].time };
    await store.insert(events);
    const seen: string[] = [];
    let after: { time: Date; id: string } | undefined;
    for (;;) {
      const page = await store.query({}, 2, after);
      seen.push(...page.map((e) => e.id));
      const last = page[page.length - 1];
      if (page.length < 2 || !last) {
        break;
      }
      after = { time: last.time, id: last.id };
    }
    const expected = [...events]
      .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1))
      .map((e) => e.id);
    expect(seen).toEqual(expected);
  });

  it('filters by principal, action, decision, bucket, kind and request id', async () => {
    const a = storedEvent(decisionInput({ principal: 'alice', requestId: 'r-a' }));
    const b = storedEvent(
      decisionInput({
        principal: 'bob',
        decision: 'ExplicitDeny',
        action: 'oss:DeleteBucketReplication',
        resource: 'acs:oss:cn-beijing:*:other-bucket',
        requestId: 'r-b',
      }),
    );
    const c = storedEvent(ossCallInput({ principal: 'alice', requestId: 'r-c' }));
    await store.insert([a, b, c]);
    const ids = async (filter: Parameters<KyselyAuditStore['query']>[0]) =>
      (await store.query(filter, 10)).map((e) => e.requestId).sort();

    expect(await ids({ principal: 'alice' })).toEqual(['r-a', 'r-c']);
    expect(await ids({ action: 'oss:DeleteBucketReplication' })).toEqual(['r-b']);
    expect(await ids({ decision: 'ExplicitDeny' })).toEqual(['r-b']);
    expect(await ids({ bucket: 'other-bucket' })).toEqual(['r-b']);
    expect(await ids({ bucket: 'source-bucket', kind: 'oss-call' })).toEqual(['r-c']);
    expect(await ids({ requestId: 'r-a' })).toEqual(['r-a']);
    expect(await ids({ principal: 'alice', decision: 'ExplicitDeny' })).toEqual([]);
  });

  it('bounds time with an inclusive from and an exclusive to', async () => {
    const events = timeline(5, Date.parse('2025-05-01T00:00:00.000Z'));
    await store.insert(events);
    const got = await store.query(
      { from: new Date('2025-05-01T00:00:00.001Z'), to: new Date('2025-05-01T00:00:00.003Z') },
      10,
    );
    expect(got.map((e) => e.requestId)).toEqual(['req-2', 'req-1']);
  });

  it('compares instants, not strings, for times given with an offset', async () => {
    await store.insert(timeline(3, Date.parse('2025-05-01T00:00:00.000Z')));
    const from = new Date('2025-05-01T08:00:00.001+08:00');
    expect((await store.query({ from }, 10)).map((e) => e.requestId)).toEqual(['req-2', 'req-1']);
  });

  it('writes a large batch atomically in several statements', async () => {
    const events = timeline(1_234);
    await store.insert(events);
    expect(await store.query({}, 2_000)).toHaveLength(1_234);
  });

  it('writes nothing of a batch when one row is rejected', async () => {
    const good = storedEvent(decisionInput());
    await store.insert([good]);
    const batch = [storedEvent(decisionInput({ requestId: 'new' })), { ...good }];
    await expect(store.insert(batch)).rejects.toThrow();
    expect((await store.query({}, 10)).map((e) => e.requestId)).toEqual(['req-1']);
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe(`${KyselyAuditStore.name} on a SQLite file`, () => {
  it('creates the directory of the file and switches the database to WAL', async () => {
    const file = join(tmp, 'wal', 'deep', 'audit.db');
    const store = KyselyAuditStore.open(`sqlite:${file}`);
    await store.migrate();
    await store.insert([storedEvent(decisionInput())]);
    await store.close();

    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('select count(*) as n from audit_events').get()).toEqual({ n: 1 });
      const indexes = raw
        .prepare("select name from sqlite_master where type = 'index' and tbl_name = 'audit_events'")
        .all()
        .map((r) => (r as { name: string }).name);
      expect(indexes).toEqual(
        expect.arrayContaining([
          'audit_events_time_id_idx',
          'audit_events_principal_time_idx',
          'audit_events_action_time_idx',
          'audit_events_bucket_time_idx',
          'audit_events_request_id_idx',
        ]),
      );
      // Dropped by the second migration: three values, no selectivity, paid for on every insert.
      expect(indexes).not.toContain('audit_events_decision_time_idx');
    } finally {
      raw.close();
    }
  });

  it('keeps events across a reopen', async () => {
    const url = `sqlite:${join(tmp, 'reopen', 'audit.db')}`;
    const first = KyselyAuditStore.open(url);
    await first.migrate();
    await first.insert([storedEvent(decisionInput({ requestId: 'kept' }))]);
    await first.close();

    const second = KyselyAuditStore.open(url);
    await second.migrate();
    expect((await second.query({}, 10)).map((e) => e.requestId)).toEqual(['kept']);
    await second.close();
  });
});
