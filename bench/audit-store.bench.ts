import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { verifyAuditChains } from '../src/audit/audit-chain.js';
import { AuditEventIdGenerator } from '../src/audit/audit-event-id.js';
import { type AuditEvent, type AuditEventQueryFilter, bucketFromResource } from '../src/audit/audit-event.js';
import type { AuditCursorPosition } from '../src/audit/audit-cursor.js';
import { KyselyAuditStore } from '../src/audit/store/kysely-audit-store.js';
import type { BenchResult } from './run.js';

/*
 * `npm run bench -- audit-store`: the audit store at depth, on a SQLite file and on PostgreSQL.
 * Fills the store with AUDIT_BENCH_EVENTS events (default 1,000,000; BENCH_QUICK=1: 20,000) through
 * its normal, chained insert, then times (median of several runs, each query as the API sends it):
 * - the first page (50 newest);
 * - a deep page: 50 events after a cursor 99% of the way down (990,000 deep at 1M);
 * - the same deep page with the cursor condition `time < ? or (time = ? and id < ?)` (the form
 *   before the row-value `(time, id) < (?, ?)`), for comparison;
 * - a filtered page (principal + bucket + action), first and deep;
 * and reports the insert rate, the verification rate (every chain recomputed) and bytes per event
 * (SQLite: the database file after a checkpoint; PostgreSQL: pg_total_relation_size, indexes included).
 */

interface AuditStoreBenchOptions {
  events: number;
  /** Timed runs per query (median reported). */
  runs: number;
  pgUrl?: string;
}

function options(env: NodeJS.ProcessEnv): AuditStoreBenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const events = Number(env.AUDIT_BENCH_EVENTS ?? (quick ? 20_000 : 1_000_000));
  return {
    events,
    runs: quick ? 3 : 15,
    pgUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

const PRINCIPALS = Array.from({ length: 40 }, (_, i) => `service-${i}`);
const BUCKETS = Array.from({ length: 200 }, (_, i) => `bucket-${String(i).padStart(3, '0')}`);
const ACTIONS = [
  'oss:GetBucketReplication',
  'oss:GetBucketReplicationProgress',
  'oss:GetBucketReplicationLocation',
  'oss:PutBucketReplication',
  'oss:PutBucketRtc',
  'oss:DeleteBucketReplication',
];

/** A deterministic mix: 40 principals, 200 buckets, 6 actions, decisions and their OSS calls, 3 per millisecond. */
function* generate(count: number): Generator<AuditEvent> {
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  let ms = start;
  const ids = new AuditEventIdGenerator(() => ms);
  // mulberry32: independent draws (a plain LCG's low bits would correlate principal, bucket and action).
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
  for (let i = 0; i < count; i += 1) {
    ms = start + Math.floor(i / 3);
    const principal = PRINCIPALS[next(PRINCIPALS.length)];
    const bucket = BUCKETS[next(BUCKETS.length)];
    const action = ACTIONS[next(ACTIONS.length)];
    const resource = `acs:oss:cn-hangzhou:1234567890123456:${bucket}`;
    const call = i % 2 === 1;
    yield {
      id: ids.next(),
      time: new Date(ms),
      requestId: `req-${Math.floor(i / 2)}`,
      clientRequestId: undefined,
      transport: i % 3 === 0 ? 'graphql' : 'http',
      kind: call ? 'oss-call' : 'decision',
      principal,
      keyId: `${principal}-key-1`,
      sourceIp: `10.0.${next(4)}.${next(250)}`,
      userAgent: 'billing-client/1.2 (node 20)',
      action,
      resource,
      bucket: bucketFromResource(resource),
      decision: call ? undefined : 'Allow',
      matchedStatements: call
        ? undefined
        : [{ policy: 'ReplicationAdmin', statement: 0, sid: 'AllowReplication', effect: 'Allow' }],
      operation: call ? action.slice(4) : undefined,
      outcomeStatus: call ? 200 : undefined,
      ossRequestId: call ? `5C3D9175B6FC2012${String(i % 100_000).padStart(8, '0')}` : undefined,
      ossErrorCode: undefined,
      latencyMs: call ? 12.5 + (i % 50) : undefined,
      dryRun: false,
    };
  }
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Target {
  name: string;
  store: KyselyAuditStore;
  /** The deep page with the OR-form cursor condition, as raw SQL. */
  orFormDeepPage(position: AuditCursorPosition): Promise<unknown>;
  bytes(): Promise<number>;
  cleanup(): Promise<void>;
}

function sqliteTarget(dir: string): Target {
  const file = join(dir, 'audit-bench.db');
  const store = KyselyAuditStore.open(`sqlite:${file}`, { instanceId: 'bench-sqlite' });
  let reader: Database.Database | undefined;
  const raw = (): Database.Database => (reader ??= new Database(file));
  return {
    name: 'SQLite',
    store,
    orFormDeepPage: (p) => {
      const t = p.time.toISOString();
      return Promise.resolve(
        raw()
          .prepare(
            'select * from audit_events where (time < ? or (time = ? and id < ?)) order by time desc, id desc limit 51',
          )
          .all(t, t, p.id),
      );
    },
    bytes: () => {
      raw().pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve(statSync(file).size);
    },
    cleanup: async () => {
      reader?.close();
      await store.close();
    },
  };
}

async function postgresTarget(url: string): Promise<Target | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
  } catch (error) {
    process.stderr.write(`audit-store: PostgreSQL at ${url} not reachable (${String(error)}); skipping it\n`);
    return undefined;
  }
  const schema = `audit_bench_${randomBytes(4).toString('hex')}`;
  const store = KyselyAuditStore.open(url, { schema, instanceId: 'bench-postgres' });
  return {
    name: 'PostgreSQL',
    store,
    orFormDeepPage: (p) =>
      client.query(
        `select * from "${schema}".audit_events where (time < $1 or (time = $1 and id < $2)) order by time desc, id desc limit 51`,
        [p.time.toISOString(), p.id],
      ),
    bytes: async () => {
      await client.query(`vacuum analyze "${schema}".audit_events`);
      const r = await client.query<{ n: string }>(
        `select pg_total_relation_size('"${schema}".audit_events') as n`,
      );
      return Number(r.rows[0].n);
    },
    cleanup: async () => {
      await store.close();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

async function benchTarget(target: Target, o: AuditStoreBenchOptions): Promise<BenchResult[]> {
  const { store } = target;
  const label = (what: string): string => `${target.name}: ${what}`;
  await store.migrate();
  const batch: AuditEvent[] = [];
  let deep: AuditCursorPosition | undefined;
  let filter: AuditEventQueryFilter = {};
  // 99% of the way down the newest-first order: the event at that depth from the top.
  const deepIndex = Math.max(0, o.events - Math.floor(o.events * 0.99));
  const t0 = process.hrtime.bigint();
  let i = 0;
  for (const event of generate(o.events)) {
    if (i === deepIndex) {
      deep = { time: event.time, id: event.id };
    }
    if (i === Math.floor(o.events / 2)) {
      // A combination that occurs: about 1 event in 48,000 has it (40 principals × 200 buckets × 6 actions).
      filter = { principal: event.principal, bucket: event.bucket, action: event.action };
    }
    i += 1;
    batch.push(event);
    if (batch.length === 5_000) {
      await store.insert(batch.splice(0));
    }
  }
  if (batch.length > 0) {
    await store.insert(batch.splice(0));
  }
  const insertSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = await target.bytes();
  const page = (f: AuditEventQueryFilter, after?: AuditCursorPosition) => () => store.query(f, 51, after);
  const filtered = await store.query(filter, 1_000_000);
  const filteredDeep = filtered.length > 60 ? filtered[filtered.length - 60] : undefined;

  const rows: BenchResult[] = [
    {
      name: label(`insert ${o.events.toLocaleString('en-US')} events (chained), events/s`),
      opsPerSec: o.events / insertSeconds,
    },
    { name: label('bytes per event'), bytesPerEvent: bytes / o.events },
    { name: label('first page (50)'), ms: await median(o.runs, page({})) },
    {
      name: label(
        `deep page, ${Math.floor(o.events * 0.99).toLocaleString('en-US')} deep, (time, id) < (?, ?)`,
      ),
      ms: await median(o.runs, page({}, deep)),
    },
    {
      name: label('deep page, same cursor as time < ? or (time = ? and id < ?)'),
      ms: await median(o.runs, () => target.orFormDeepPage(deep!)),
    },
    {
      name: label(`filtered page, principal + bucket + action (${filtered.length} match)`),
      ms: await median(o.runs, page(filter)),
    },
  ];
  if (filteredDeep) {
    rows.push({
      name: label('filtered page, principal + bucket + action, deep'),
      ms: await median(o.runs, page(filter, { time: filteredDeep.time, id: filteredDeep.id })),
    });
  }
  rows.push({
    name: label('filtered page, principal only'),
    ms: await median(o.runs, page({ principal: filter.principal })),
  });
  rows.push({
    name: label('filtered page, principal + bucket'),
    ms: await median(o.runs, page({ principal: filter.principal, bucket: filter.bucket })),
  });
  rows.push({
    name: label('filtered page, bucket + action'),
    ms: await median(o.runs, page({ bucket: filter.bucket, action: filter.action })),
  });
  const v0 = process.hrtime.bigint();
  const report = await verifyAuditChains(store);
  const verifySeconds = Number(process.hrtime.bigint() - v0) / 1e9;
  if (!report.valid || report.eventsVerified !== o.events) {
    throw new Error(`verification of the bench store failed: ${JSON.stringify(report.firstFailure)}`);
  }
  rows.push({ name: label('verify every chain, events/s'), opsPerSec: o.events / verifySeconds });
  return rows;
}

export async function runAuditStoreBench(env: NodeJS.ProcessEnv = process.env): Promise<BenchResult[]> {
  const o = options(env);
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-bench-'));
  const rows: BenchResult[] = [];
  try {
    const targets: Target[] = [sqliteTarget(dir)];
    const postgres = o.pgUrl ? await postgresTarget(o.pgUrl) : undefined;
    if (postgres) {
      targets.push(postgres);
    }
    for (const target of targets) {
      process.stderr.write(`audit-store: ${target.name}, ${o.events} events…\n`);
      try {
        rows.push(...(await benchTarget(target, o)));
      } finally {
        await target.cleanup();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
