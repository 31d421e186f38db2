import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePostgresTestUrl } from '../../src/audit/__fixtures__/postgres-test-schema.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import type { SamplerPassResult } from '../../src/fleet/sampler/progress-sampler.js';
import { FleetMetrics } from '../../src/fleet/metrics/fleet-metrics.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { OssClient } from '../../src/oss/oss-client.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * Two gateway instances on one PostgreSQL (a schema of this test's own) and one OSS emulator, both
 * sampling every second (DESIGN §7, §11): exactly one samples at a time; when the leader dies
 * abruptly (its lock session is terminated and it cannot log in again) the other takes over within
 * about one interval; when the leader shuts down (app.close()) the other takes over too; and every
 * rule has exactly one sample per leader pass, however leadership moved.
 */

const pgUrl = await resolvePostgresTestUrl();
const RULES = ['two-rule-a', 'two-rule-b'];
const SOURCE = 'two-instances-src';

/** One finished sampler pass of one instance, in the order the passes finished. */
interface Pass {
  instance: 'a' | 'b';
  leader: boolean;
  samples: number;
  error?: Error;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`never happened: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A metric's value (no labels) as /metrics serves it. */
function scraped(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) {
    throw new Error(`${name} not on /metrics`);
  }
  return Number(line.slice(name.length + 1));
}

/** A counter's value from an instance's registry (readable after the app closed). */
async function counter(t: TestApp, name: string): Promise<number> {
  const metric = t.app.get(MetricsService).registry.getSingleMetric(name);
  const value = await metric?.get();
  return value?.values.reduce((sum, v) => sum + v.value, 0) ?? Number.NaN;
}

describe.runIf(pgUrl)('two gateway instances sampling on one PostgreSQL', () => {
  const base = pgUrl!;
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const schema = `fleet_two_${suffix}`;
  /** Instance A's own login: denying it emulates A's death (it cannot reconnect to take the lock back). */
  const roleA = `fleet_two_a_${suffix}`;
  let admin: pg.Client;
  let emulator: Emulator;
  let a: TestApp;
  let b: TestApp;
  let closedA = false;
  let closedB = false;
  const passes: Pass[] = [];

  function urlFor(user?: string): string {
    const url = new URL(base);
    if (user) {
      url.username = user;
      url.password = '';
    }
    url.searchParams.set('options', `-c search_path=${schema}`);
    return url.toString();
  }

  async function startInstance(instance: 'a' | 'b', user?: string): Promise<TestApp> {
    const t = await createTestApp({
      ...emulatorEnv(emulator, 'cn-hangzhou'),
      DATABASE_URL: urlFor(user),
      GATEWAY_SAMPLE_INTERVAL_SECONDS: '1',
      // Each instance its own audit chain: two writers of one chain collide on its sequence numbers.
      GATEWAY_INSTANCE_ID: `fleet-two-${instance}`,
    });
    // Every pass this instance finishes from now on (the sampler's own onPass hook feeds FleetMetrics).
    const metrics = t.app.get(FleetMetrics);
    const observe = metrics.observePass.bind(metrics);
    metrics.observePass = (result: SamplerPassResult, error?: Error) => {
      passes.push({ instance, leader: result.leader, samples: result.samples, ...(error ? { error } : {}) });
      observe(result, error);
    };
    return t;
  }

  const count = (from: number, pick: (p: Pass) => boolean) => passes.slice(from).filter(pick).length;

  /** The backends holding an advisory lock in this database under a login (the leader's lock session). */
  async function lockSessionsOf(user: string): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(
      `select l.pid from pg_locks l join pg_stat_activity s on s.pid = l.pid
        where l.locktype = 'advisory' and l.granted and s.usename = $1`,
      [user],
    );
    return rows.map((r) => r.pid);
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.query(`create role "${roleA}" login superuser`);

    emulator = await startEmulator({ replication: { tickMs: 0, startingMs: 0 } });
    emulator.admin.createBucket(SOURCE, 'cn-hangzhou');
    const oss = new OssClient({
      region: 'cn-hangzhou',
      endpoint: emulator.url,
      addressing: 'path',
      credentials: emulator.accessKeys[0],
      timeouts: { connectMs: 1000, requestMs: 5000 },
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, totalBudgetMs: 1000 },
    });
    for (const [i, id] of RULES.entries()) {
      emulator.admin.createBucket(`two-instances-dst-${i}`, 'cn-beijing');
      await oss.putBucketReplication(SOURCE, {
        id,
        prefixes: [`p${i}/`],
        destination: { bucket: `two-instances-dst-${i}`, location: 'oss-cn-beijing' },
      });
    }
    await oss.close();
  });

  afterAll(async () => {
    if (admin) {
      await admin.query(`alter role "${roleA}" login`).catch(() => undefined);
    }
    if (a && !closedA) {
      await a.close();
    }
    if (b && !closedB) {
      await b.close();
    }
    await emulator?.close();
    if (admin) {
      await admin.query(`select pg_terminate_backend(pid, 5000) from pg_stat_activity where usename = $1`, [
        roleA,
      ]);
      // A's tables first (A may have created them), then its login.
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.query(`drop role if exists "${roleA}"`);
      await admin.end();
    }
  });

  it('samples on one instance at a time, hands over on death and on shutdown, and never samples twice', async () => {
    // A alone: it leads.
    a = await startInstance('a', roleA);
    await until(() => count(0, (p) => p.instance === 'a' && p.leader) >= 1, 'A leads');
    b = await startInstance('b');
    await until(() => count(0, (p) => p.instance === 'b') >= 2, 'B passes twice');
    expect(passes.filter((p) => p.instance === 'b').every((p) => !p.leader)).toBe(true);
    expect(passes.filter((p) => p.instance === 'a').every((p) => p.leader)).toBe(true);
    // Both say so on /metrics.
    expect(scraped((await a.request.get('/metrics')).text, 'gateway_sampler_leader')).toBe(1);
    expect(scraped((await b.request.get('/metrics')).text, 'gateway_sampler_leader')).toBe(0);

    // A dies abruptly, right after a pass: its lock session is terminated, and it cannot log in again.
    const before = passes.length;
    await until(() => count(before, (p) => p.instance === 'a' && p.leader) >= 1, "A's next pass");
    const [lockSession, ...others] = await lockSessionsOf(roleA);
    expect(lockSession).toBeTypeOf('number');
    expect(others).toEqual([]);
    await admin.query(`alter role "${roleA}" nologin`);
    const killed = passes.length;
    const { rows } = await admin.query<{ done: boolean }>('select pg_terminate_backend($1, 5000) as done', [
      lockSession,
    ]);
    expect(rows[0]?.done).toBe(true);

    // B takes over within about one interval: its first pass after the kill may have started before
    // it, its second one leads. A leads no more.
    await until(() => count(killed, (p) => p.instance === 'b') >= 2, "B's passes after A's death");
    await until(() => count(killed, (p) => p.instance === 'a') >= 1, "A's pass after its death");
    const bAfterKill = passes.slice(killed).filter((p) => p.instance === 'b');
    expect(bAfterKill[1]?.leader).toBe(true);
    expect(bAfterKill.slice(bAfterKill.findIndex((p) => p.leader)).every((p) => p.leader)).toBe(true);
    expect(count(killed, (p) => p.instance === 'a' && p.leader)).toBe(0);
    expect(scraped((await a.request.get('/metrics')).text, 'gateway_sampler_leader')).toBe(0);
    expect(scraped((await b.request.get('/metrics')).text, 'gateway_sampler_leader')).toBe(1);

    // A comes back (it may log in again): B keeps leading, A follows.
    await admin.query(`alter role "${roleA}" login`);
    const back = passes.length;
    await until(() => count(back, (p) => p.instance === 'a') >= 2, 'A passes after coming back');
    expect(count(back, (p) => p.instance === 'a' && p.leader)).toBe(0);
    expect(await lockSessionsOf(roleA)).toEqual([]);

    // B shuts down (app.close() stops its sampler, which releases the lock): A takes over.
    await b.close();
    closedB = true;
    const passesB = await counter(b, 'gateway_sampler_passes_total');
    const samplesB = await counter(b, 'gateway_sampler_samples_total');
    const closed = passes.length;
    await until(() => count(closed, (p) => p.instance === 'a') >= 2, "A's passes after B closed");
    const aAfterClose = passes.slice(closed).filter((p) => p.instance === 'a');
    expect(aAfterClose[1]?.leader).toBe(true);
    await a.close();
    closedA = true;

    // Exactly one sampler at a time: the leading passes' owner changed exactly at the two hand-overs.
    const owners = passes.filter((p) => p.leader).map((p) => p.instance);
    const changes = owners.filter((o, i) => i > 0 && o !== owners[i - 1]);
    expect(changes).toEqual(['b', 'a']);
    expect(passes.filter((p) => p.error)).toEqual([]);

    // No duplicate samples: each rule got one sample per leading pass of either instance, and the
    // table holds exactly the samples the two instances say they stored.
    const passesA = await counter(a, 'gateway_sampler_passes_total');
    const samplesA = await counter(a, 'gateway_sampler_samples_total');
    expect(samplesB).toBe(RULES.length * passesB);
    expect(samplesA).toBe(RULES.length * passesA);
    const stored = await admin.query<{ rule_id: string; n: string; distinct_times: string }>(
      `select rule_id, count(*) as n, count(distinct time) as distinct_times
         from "${schema}".progress_samples where bucket = $1 group by rule_id order by rule_id`,
      [SOURCE],
    );
    expect(stored.rows.map((r) => [r.rule_id, Number(r.n), Number(r.distinct_times)])).toEqual(
      RULES.map((id) => [id, passesA + passesB, passesA + passesB]),
    );
  });
});
