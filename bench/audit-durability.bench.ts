/**
 * What committing a mutation's audit events costs (DESIGN §10): per mutation, its decision event is
 * committed before the OSS write and its OSS-call event before the answer — two commits — where a read
 * only queues its two events. Measured on the AuditService over the real stores: a SQLite file (WAL,
 * written on the writer thread) and PostgreSQL (127.0.0.1:5432, database `test`, a schema of its own;
 * skipped when unreachable). Rows: ms per mutation, p50 and p99, at concurrency 1 and 10 (concurrent
 * commits share one transaction), and the added ms = durable − batched (record only) at each percentile.
 *
 * `npm run bench -- audit-durability`; `BENCH_QUICK=1` runs it on tiny counts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AuditEventInput } from '../src/audit/audit-event.js';
import { AuditService } from '../src/audit/audit.service.js';
import { KyselyAuditStore } from '../src/audit/store/kysely-audit-store.js';
import type { BenchResult } from './run.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

function event(requestId: string, kind: 'decision' | 'oss-call'): AuditEventInput {
  return {
    time: new Date(),
    requestId,
    transport: 'http',
    kind,
    principal: 'bench-admin',
    keyId: 'bench-admin-1',
    sourceIp: '127.0.0.1',
    action: 'oss:PutBucketRtc',
    resource: 'acs:oss:cn-hangzhou:1234567890123456:demo-source',
    ...(kind === 'decision'
      ? {
          decision: 'Allow' as const,
          matchedStatements: [{ policy: 'Admin', statement: 0, effect: 'Allow' as const }],
        }
      : { operation: 'PutBucketRtc', outcomeStatus: 200, ossRequestId: 'bench', latencyMs: 1.5 }),
    dryRun: false,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Per-mutation latencies (ms) of `mutations` mutations on `concurrency` loops. */
async function measure(
  service: AuditService,
  mutations: number,
  concurrency: number,
  durable: boolean,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < mutations) {
      const id = `bench-${next++}-${randomBytes(3).toString('hex')}`;
      const started = performance.now();
      if (durable) {
        await service.recordDurably(event(id, 'decision'));
        await service.recordDurably(event(id, 'oss-call'));
      } else {
        service.record(event(id, 'decision'));
        service.record(event(id, 'oss-call'));
        await Promise.resolve();
      }
      times.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  await service.flush();
  return times.sort((a, b) => a - b);
}

async function benchStore(name: string, store: KyselyAuditStore, mutations: number): Promise<BenchResult[]> {
  const service = new AuditService(store, { flushIntervalMs: 200, batchSize: 500 });
  await service.onModuleInit();
  const rows: BenchResult[] = [];
  try {
    // Warm-up: prepared statements, pool connections, the writer thread.
    await measure(service, 20, 1, true);
    for (const concurrency of [1, 10]) {
      const batched = await measure(service, mutations, concurrency, false);
      const durable = await measure(service, mutations, concurrency, true);
      const p50 = percentile(durable, 50);
      const p99 = percentile(durable, 99);
      rows.push({
        name: `${name} mutation, 2 commits, c=${concurrency}`,
        p50Ms: p50,
        p99Ms: p99,
        addedP50Ms: p50 - percentile(batched, 50),
        addedP99Ms: p99 - percentile(batched, 99),
      });
    }
  } finally {
    await service.beforeApplicationShutdown();
    await service.onApplicationShutdown();
  }
  return rows;
}

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pgExec(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function runAuditDurabilityBench(
  quick = process.env.BENCH_QUICK === '1',
): Promise<BenchResult[]> {
  const mutations = quick ? 20 : 1_000;
  const rows: BenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  try {
    rows.push(
      ...(await benchStore(
        'SQLite WAL',
        KyselyAuditStore.open(`sqlite:${join(dir, 'audit.db')}`),
        mutations,
      )),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (await pgReachable()) {
    const schema = `bench_audit_${process.pid}_${randomBytes(3).toString('hex')}`;
    await pgExec(`create schema "${schema}"`);
    try {
      rows.push(...(await benchStore('PostgreSQL', KyselyAuditStore.open(PG_URL, { schema }), mutations)));
    } finally {
      await pgExec(`drop schema if exists "${schema}" cascade`);
    }
  } else {
    process.stderr.write(`audit-durability: PostgreSQL not reachable at ${PG_URL}; skipped\n`);
  }
  return rows;
}
