import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import { BUCKET_REGION_RESOLVER } from '../../src/auth/ports/bucket-region-resolver.port.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { ruleKey, type RuleRef } from '../../src/fleet/domain/progress-sample.js';
import { computeReplicationHealth } from '../../src/fleet/health/replication-health.js';
import { SingleInstanceLeaderElection, type LeaderElection } from '../../src/fleet/leader/leader-election.js';
import { ProgressSampler, type SamplerTimers } from '../../src/fleet/sampler/progress-sampler.js';
import {
  ReplicationApiProgressReader,
  SAMPLER_PRINCIPAL,
} from '../../src/fleet/sampler/replication-api-progress-reader.js';
import { InMemoryRuleSource } from '../../src/fleet/sampler/rule-source.js';
import { KyselyProgressSampleStore } from '../../src/fleet/store/kysely-progress-sample-store.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { REPLICATION_API, type ReplicationApi } from '../../src/replication/ports/replication-api.port.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * The progress sampler against the OSS emulator over a real socket, through the app's own
 * replication API adapter, bucket-region lookup and audit service: what it stores, how many OSS
 * calls a pass makes, how they are audited, and how it stops.
 */

const ACCOUNT_ID = '1234567890123456';
const SAMPLER_OPERATIONS = new Set(['GetBucketReplication', 'GetBucketReplicationProgress']);

/** Timers the test fires by hand: what is pending is visible. */
class ManualTimers implements SamplerTimers {
  readonly pending = new Map<number, () => void>();
  private next = 1;
  set(run: () => void): unknown {
    const id = this.next++;
    this.pending.set(id, run);
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const runs = [...this.pending.values()];
    this.pending.clear();
    runs.forEach((run) => run());
  }
}

describe(`${ProgressSampler.name} (against the OSS emulator)`, () => {
  let emulator: Emulator;
  let t: TestApp;
  let api: ReplicationApi;
  let emulatorNow = Date.parse('2026-03-01T10:00:00Z');
  /** OSS operations the emulator served, in order. */
  const served: string[] = [];
  let bucketCounter = 0;

  let store: KyselyProgressSampleStore;
  let source: InMemoryRuleSource;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      faults: true,
      clockSkewSeconds: 'off',
      clock: () => new Date(emulatorNow),
      replication: { tickMs: 0, startingMs: 60_000, closingMs: 60_000, rtcEnablingMs: 60_000 },
      logger: (line) => {
        const op = line.split(' ')[2];
        if (op && SAMPLER_OPERATIONS.has(op)) {
          served.push(op);
        }
      },
    });
    t = await createTestApp({ ...emulatorEnv(emulator, 'cn-hangzhou'), OSS_ACCOUNT_ID: ACCOUNT_ID });
    api = t.app.get(REPLICATION_API);
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  beforeEach(async () => {
    store = KyselyProgressSampleStore.open('sqlite::memory:');
    await store.migrate();
    source = new InMemoryRuleSource();
  });

  afterEach(async () => {
    await store.close();
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
  });

  /** A source bucket in cn-hangzhou with `rules` rules, each to a destination bucket of its own in cn-beijing. */
  async function bucketWithRules(rules: number, rtc = false): Promise<RuleRef[]> {
    bucketCounter += 1;
    const bucket = `sampler-src-${bucketCounter}`;
    emulator.admin.createBucket(bucket, 'cn-hangzhou');
    emulator.admin.putObject(bucket, 'p0/a.txt', 'a');
    const refs: RuleRef[] = [];
    for (let i = 0; i < rules; i += 1) {
      const ruleId = `rule-${bucketCounter}-${i}`;
      const destination = `sampler-dst-${bucketCounter}-${i}`;
      emulator.admin.createBucket(destination, 'cn-beijing');
      await api.putRule(bucket, {
        id: ruleId,
        prefixes: [`p${i}/`],
        action: 'ALL',
        destination: { bucket: destination, location: 'oss-cn-beijing', transferType: 'internal' },
        historicalObjectReplication: true,
        rtc: { enabled: rtc },
      });
      const ref = { account: 'default', bucket, ruleId };
      refs.push(ref);
      source.add(ref);
    }
    return refs;
  }

  function sampler(
    options: {
      maxCalls?: number;
      election?: LeaderElection;
      timers?: SamplerTimers;
      requestId?: string;
    } = {},
  ): ProgressSampler {
    const audit = t.app.get(AuditService);
    const metrics = t.app.get(MetricsService);
    const reader = new ReplicationApiProgressReader(
      api,
      t.app.get(BUCKET_REGION_RESOLVER),
      {
        audit: (event) => audit.record(event),
        observe: (operation, outcome, seconds) => metrics.ossCalls.observe({ operation, outcome }, seconds),
      },
      { account: 'default', accountId: ACCOUNT_ID },
    );
    let pass = 0;
    // The sampler's clock runs with the emulator's (as the gateway's runs with OSS's).
    const started = performance.now();
    return new ProgressSampler(
      source,
      reader,
      store,
      options.election ?? new SingleInstanceLeaderElection(),
      {
        intervalMs: 60_000,
        maxCallsPerInterval: options.maxCalls ?? 100,
        retentionDays: 30,
        now: () => new Date(emulatorNow + (performance.now() - started)),
        ...(options.timers ? { timers: options.timers } : {}),
        requestId: () => `${options.requestId ?? 'sampler-test'}-${(pass += 1)}`,
        onError: (error) => {
          throw error;
        },
      },
    );
  }

  async function latest(rules: RuleRef[], count = 10) {
    return store.latest(rules, count);
  }

  it('stores one sample per rule, status and figures as OSS reports them', async () => {
    const [a, b] = await bucketWithRules(2);
    const [c] = await bucketWithRules(1, true);
    const s = sampler();

    const first = await s.runPass();
    expect(first).toEqual({ leader: true, calls: 5, samples: 3, deferred: 0 });
    let got = await latest([a, b, c]);
    expect(got.get(ruleKey(a))?.map((x) => x.status)).toEqual(['starting']);
    expect(got.get(ruleKey(a))?.[0]).toMatchObject({ rtcStatus: null, historicalObjectProgress: null });
    expect(got.get(ruleKey(c))?.[0]).toMatchObject({ rtcStatus: 'enabling' });

    // The rules turn `doing` and replicate their history.
    emulatorNow += 61_000;
    emulator.admin.flushReplication();
    await s.runPass();
    got = await latest([a, b, c]);
    const newest = got.get(ruleKey(a))?.at(-1);
    expect(newest).toMatchObject({ status: 'doing', historicalObjectProgress: 1 });
    expect(newest?.newObjectsReplicatedUntil).toBeInstanceOf(Date);
    expect(newest?.error).toBeUndefined();
    expect(computeReplicationHealth(got.get(ruleKey(a))!, newest!.time).state).toBe('healthy');
  });

  it("audits every call under gateway:sampler with the pass's request id, like a forwarded call", async () => {
    const [a] = await bucketWithRules(1);
    await sampler({ requestId: 'audited-pass' }).runPass();
    const audit = t.app.get(AuditService);
    await audit.flush();
    const page = await audit.query({ requestId: 'audited-pass-1', kind: 'oss-call' }, 100);
    expect(page.items.map((e) => e.operation).sort()).toEqual([
      'GetBucketReplication',
      'GetBucketReplicationProgress',
    ]);
    for (const event of page.items) {
      expect(event).toMatchObject({
        principal: SAMPLER_PRINCIPAL,
        resource: `acs:oss:cn-hangzhou:${ACCOUNT_ID}:${a.bucket}`,
        bucket: a.bucket,
        outcomeStatus: 200,
        dryRun: false,
      });
      expect(event.ossRequestId).toMatch(/\S/);
      expect(event.action).toBe(`oss:${event.operation}`);
    }
  });

  it('makes at most maxCallsPerInterval OSS calls per pass, and reaches every rule in turn', async () => {
    const rules = [
      ...(await bucketWithRules(2)),
      ...(await bucketWithRules(2)),
      ...(await bucketWithRules(2)),
    ];
    const s = sampler({ maxCalls: 4 });
    const perPass: number[] = [];
    for (let pass = 0; pass < 3; pass += 1) {
      const before = served.length;
      const result = await s.runPass();
      perPass.push(served.length - before);
      expect(result.calls).toBe(served.length - before);
    }
    // A bucket costs its listing plus one read per rule: 3 calls fit in 4, a second bucket does not.
    expect(perPass).toEqual([3, 3, 3]);
    const got = await latest(rules);
    expect(rules.filter((r) => !got.has(ruleKey(r)))).toEqual([]);

    // The fourth pass starts over at the first bucket.
    await s.runPass();
    const again = await latest(rules);
    expect(rules.map((r) => again.get(ruleKey(r))?.length)).toEqual([2, 2, 1, 1, 1, 1]);
  });

  it('splits a bucket over passes when its rules exceed the budget', async () => {
    const rules = await bucketWithRules(3);
    const s = sampler({ maxCalls: 2 });
    const results = [await s.runPass(), await s.runPass(), await s.runPass()];
    expect(results.map((r) => [r.calls, r.samples, r.deferred])).toEqual([
      [2, 1, 2],
      [2, 1, 2],
      [2, 1, 2],
    ]);
    const got = await latest(rules);
    expect(got.size).toBe(3);
  });

  it('samples a rule deleted mid-way as closing, then gone', async () => {
    const [a] = await bucketWithRules(1);
    const s = sampler();
    emulatorNow += 61_000;
    emulator.admin.flushReplication();
    await s.runPass();
    await api.deleteRule(a.bucket, a.ruleId);
    await s.runPass();
    emulatorNow += 61_000;
    emulator.admin.flushReplication();
    const before = served.length;
    await s.runPass();
    // Gone from the listing: no progress read for it.
    expect(served.slice(before)).toEqual(['GetBucketReplication']);
    const samples = (await latest([a])).get(ruleKey(a))!;
    expect(samples.map((x) => x.status)).toEqual(['doing', 'closing', 'gone']);
    const health = computeReplicationHealth(samples, samples.at(-1)!.time);
    expect(health).toMatchObject({ state: 'closing', since: samples[1].time.toISOString() });
  });

  it('stores a failed read as a sample with its error (health: unknown)', async () => {
    const [a] = await bucketWithRules(1);
    const res = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'GetBucketReplicationProgress', status: 403, code: 'AccessDenied' }),
    });
    expect(res.status).toBe(201);
    const result = await sampler().runPass();
    expect(result.samples).toBe(1);
    const [failed] = (await latest([a])).get(ruleKey(a))!;
    expect(failed).toMatchObject({ status: null, historicalObjectProgress: null });
    expect(failed?.error).toMatch(/^AccessDenied: /);
    expect(computeReplicationHealth([failed], failed.time).state).toBe('unknown');
  });

  it('reads nothing while another instance leads', async () => {
    await bucketWithRules(1);
    const follower: LeaderElection = {
      acquire: () => Promise.resolve(false),
      isLeader: () => false,
      release: () => Promise.resolve(),
    };
    const before = served.length;
    expect(await sampler({ election: follower }).runPass()).toEqual({
      leader: false,
      calls: 0,
      samples: 0,
      deferred: 0,
    });
    expect(served.length).toBe(before);
  });

  it('stops cleanly: waits for the pass under way, stores it, leaves no timer and releases leadership', async () => {
    const [a] = await bucketWithRules(1);
    const timers = new ManualTimers();
    const election = new SingleInstanceLeaderElection();
    const s = sampler({ timers, election });
    // Slow OSS answers keep the pass in flight while stop() is called.
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'GetBucketReplicationProgress', latencyMs: 200 }),
    });
    s.start();
    expect(timers.pending.size).toBe(1);
    const listed = served.length;
    timers.fireAll();
    // Once the bucket is listed, its rule's (slow) progress read is in flight.
    for (let i = 0; i < 200 && served.length === listed; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(served.slice(listed)).toEqual(['GetBucketReplication']);
    const stopped = s.stop();
    expect(s.scheduled).toBe(false);
    await stopped;

    // The pass that was under way finished and was stored; nothing else is pending.
    const samples = (await latest([a])).get(ruleKey(a));
    expect(samples).toHaveLength(1);
    expect(samples?.[0]?.error).toBeUndefined();
    expect(timers.pending.size).toBe(0);
    expect(s.scheduled).toBe(false);
    expect(election.isLeader()).toBe(false);
    s.start();
    expect(timers.pending.size).toBe(0);
  });

  it('schedules the next pass after each one until stopped', async () => {
    await bucketWithRules(1);
    const timers = new ManualTimers();
    const s = sampler({ timers });
    s.start();
    timers.fireAll();
    // The pass runs, then schedules the next one.
    for (let i = 0; i < 100 && timers.pending.size === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(timers.pending.size).toBe(1);
    await s.stop();
    expect(timers.pending.size).toBe(0);
  });
});
