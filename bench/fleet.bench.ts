import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createApp } from '../src/app.factory.js';
import { buildAppConfig } from '../src/config/app.config.js';
import { InMemoryInventory } from '../src/fleet/inventory/inventory.js';
import { ProgressSampler } from '../src/fleet/sampler/progress-sampler.js';
import { PROGRESS_SAMPLE_STORE, type ProgressSampleStore } from '../src/fleet/store/progress-sample-store.js';
import { fleetBucket, fleetOf } from '../test/fixtures/fleet.js';
import { allow, policy, principalWithKey, writePrincipalsFile } from '../test/fixtures/principals.js';
import type { BenchResult } from './run.js';

/*
 * Fleet query latency (DESIGN §11): 1,000 rules across 3 accounts in the inventory, samples in the
 * SQLite store (the default DATABASE_URL kind), the whole app over HTTP at concurrency 1; REST and
 * GraphQL, an admin (every row authorized, health for all) and a caller allowed one bucket.
 * `npm run bench -- fleet`; FLEET_BENCH_RULES and FLEET_BENCH_REQUESTS change the sizes.
 */

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runFleetBench(): Promise<BenchResult[]> {
  const rules = Number(process.env.FLEET_BENCH_RULES ?? 1000);
  const requests = Number(process.env.FLEET_BENCH_REQUESTS ?? 300);
  const admin = principalWithKey('bench-admin', {
    policies: [policy(allow(['oss:GetBucketReplication', 'oss:GetBucketReplicationProgress'], '*'))],
  });
  const one = principalWithKey('bench-one-bucket', {
    policies: [policy(allow('oss:GetBucketReplication*', `acs:oss:*:*:${fleetBucket('default', 0)}`))],
  });
  const file = writePrincipalsFile({ principals: [admin.entry, one.entry] });
  const config = buildAppConfig({
    DATABASE_URL: 'sqlite::memory:',
    GATEWAY_PRINCIPALS_FILE: file.file,
    GATEWAY_SAMPLE_INTERVAL_SECONDS: '60',
    GATEWAY_STALL_AFTER_SECONDS: '1800',
    GATEWAY_RATE_LIMITS: 'read=1000000/s,write=1000000/s,simulate=1000000/s,anonymous=1000000/s',
    GATEWAY_GRAPHQL_MAX_COST: '100',
  });
  const inventory = new InMemoryInventory();
  const app = await createApp(config, { logger: false, inventory });
  await app.init();
  await app.get(ProgressSampler).stop();
  // 60 samples per rule, a minute apart: the hour of history health reads at the default interval.
  const now = new Date();
  const fleet = fleetOf(rules, now);
  const samples = fleet.samples.flatMap((s) =>
    Array.from({ length: 20 }, (_, k) => ({ ...s, time: new Date(s.time.getTime() - k * 3 * 60_000 - 1) })),
  );
  inventory.set(fleet.rules);
  const store = app.get<ProgressSampleStore>(PROGRESS_SAMPLE_STORE);
  for (let i = 0; i < samples.length; i += 5000) {
    await store.append(samples.slice(i, i + 5000));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const rest = (key: string, query: string) => async () => {
    const res = await request(`${base}/v1/replication/rules?${query}`, { headers: { 'x-api-key': key } });
    if (res.statusCode !== 200) {
      throw new Error(`fleet REST answered ${res.statusCode}`);
    }
    await res.body.text();
  };
  const graphql = (key: string, first: number) => async () => {
    const res = await request(`${base}/graphql`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ replicationFleet(first: ${first}) { items { account bucket rule { id } health { state lagSeconds } } nextCursor } }`,
      }),
    });
    const body = (await res.body.json()) as { errors?: unknown };
    if (res.statusCode !== 200 || body.errors) {
      throw new Error(`fleet GraphQL answered ${res.statusCode} ${JSON.stringify(body.errors)}`);
    }
  };
  const cases: Array<[string, () => Promise<void>]> = [
    [`REST ${rules} rules, admin, first=50`, rest(admin.secret, 'first=50')],
    [`REST ${rules} rules, admin, first=500`, rest(admin.secret, 'first=500')],
    [`REST ${rules} rules, admin, health=lagging`, rest(admin.secret, 'health=lagging&first=50')],
    [`REST ${rules} rules, one-bucket caller`, rest(one.secret, 'first=50')],
    [`GraphQL ${rules} rules, admin, first=50`, graphql(admin.secret, 50)],
    [`GraphQL ${rules} rules, admin, first=500`, graphql(admin.secret, 500)],
  ];
  const results: BenchResult[] = [];
  try {
    for (const [name, run] of cases) {
      for (let i = 0; i < 30; i += 1) {
        await run();
      }
      const times: number[] = [];
      for (let i = 0; i < requests; i += 1) {
        const start = performance.now();
        await run();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const total = times.reduce((a, b) => a + b, 0);
      results.push({
        name,
        opsPerSec: (times.length * 1000) / total,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
      });
    }
  } finally {
    await app.close();
    file.cleanup();
  }
  return results;
}
