import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { HEALTH_SEVERITY, type HealthState } from '../../src/fleet/health/replication-health.js';
import { InMemoryInventory, INVENTORY } from '../../src/fleet/inventory/inventory.js';
import { ProgressSampler } from '../../src/fleet/sampler/progress-sampler.js';
import {
  PROGRESS_SAMPLE_STORE,
  type ProgressSampleStore,
} from '../../src/fleet/store/progress-sample-store.js';
import { fleetBucket, fleetOf, type FleetFixture } from '../fixtures/fleet.js';
import {
  allow,
  policy,
  principalWithKey,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * The fleet API (DESIGN §2, §11) over HTTP, REST and GraphQL: 1,000 rules across 3 accounts in an
 * InMemoryInventory, samples appended to the app's real (SQLite) sample store; per-row
 * authorization, filters, ordering, cursor paging, the per-rule health and history routes.
 */

const ACCOUNT_ID = '1234567890123456';
const RULES = 1000;
/** The one bucket `oneBucket` may read; it exists in the emulator (the per-rule routes look its region up). */
const ONE_BUCKET = fleetBucket('default', 0);

const admin = principalWithKey('fleet-admin', {
  policies: [policy(allow(['oss:GetBucketReplication', 'oss:GetBucketReplicationProgress'], '*'))],
});
const oneBucket = principalWithKey('fleet-one-bucket', {
  policies: [
    policy(
      allow(['oss:GetBucketReplication', 'oss:GetBucketReplicationProgress'], `acs:oss:*:*:${ONE_BUCKET}`),
    ),
  ],
});
const listOnly = principalWithKey('fleet-list-only', {
  policies: [policy(allow('oss:GetBucketReplication', '*'))],
});
const nothing = principalWithKey('fleet-nothing', { policies: [policy(allow('gateway:SimulatePolicy'))] });

const key = (c: { secret: string }) => ({ 'x-api-key': c.secret });

interface RestFleetRule {
  account: string;
  bucket: string;
  region: string;
  rule: { id: string; status: string; rtc: { enabled: boolean } };
  health: { state: HealthState; lagSeconds: number | null } | null;
}

describe('fleet API', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  let fleet: FleetFixture;
  let store: ProgressSampleStore;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    emulator.admin.createBucket(ONE_BUCKET, 'cn-hangzhou');
    principals = writePrincipalsFile({
      principals: [admin.entry, oneBucket.entry, listOnly.entry, nothing.entry],
    });
    const inventory = new InMemoryInventory();
    t = await createTestApp(
      {
        ...emulatorEnv(emulator, 'cn-hangzhou'),
        OSS_ACCOUNT_ID: ACCOUNT_ID,
        GATEWAY_PRINCIPALS_FILE: principals.file,
        // No pass during the tests: the samples are the test's.
        GATEWAY_SAMPLE_INTERVAL_SECONDS: '86400',
      },
      // A fleet of the test's shape (1,000 rules, 3 accounts) in place of the OSS listing.
      { inventory },
    );
    // The sampler is stopped before the inventory is filled: the samples are the test's.
    await t.app.get(ProgressSampler).stop();
    fleet = fleetOf(RULES, new Date());
    expect(t.app.get(INVENTORY)).toBe(inventory);
    inventory.set(fleet.rules);
    store = t.app.get<ProgressSampleStore>(PROGRESS_SAMPLE_STORE);
    await store.append(fleet.samples);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  async function restAll(caller: { secret: string }, query: Record<string, string> = {}, first = 500) {
    const items: Array<RestFleetRule & { page: number }> = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await t.request
        .get('/v1/replication/rules')
        .query({ ...query, first: String(first), ...(after ? { after } : {}) })
        .set(key(caller));
      expect(res.status).toBe(200);
      items.push(...(res.body.items as RestFleetRule[]).map((item) => ({ ...item, page: pages })));
      after = res.body.nextCursor as string | null;
      pages += 1;
    } while (after !== null && pages < 100);
    return { items, pages };
  }

  const FLEET_QUERY = `query($filter: ReplicationFleetFilter, $first: Int, $after: String) {
    replicationFleet(filter: $filter, first: $first, after: $after) {
      items { account bucket region rule { id status rtc { enabled } } health { state lagSeconds } }
      nextCursor
    }
  }`;

  async function graphqlAll(caller: { secret: string }, filter: Record<string, unknown> = {}, first = 500) {
    const items: RestFleetRule[] = [];
    let after: string | null = null;
    do {
      const res = await t.graphql(FLEET_QUERY, { filter, first, after }, key(caller));
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.replicationFleet as { items: RestFleetRule[]; nextCursor: string | null };
      items.push(
        ...page.items.map((item) => ({
          ...item,
          health: item.health
            ? { ...item.health, state: item.health.state.toLowerCase() as HealthState }
            : null,
          rule: { ...item.rule, status: item.rule.status.toLowerCase() },
        })),
      );
      after = page.nextCursor;
    } while (after !== null);
    return items;
  }

  describe('authorization per row', () => {
    it('shows a caller allowed one bucket exactly that bucket’s rules, with health (REST and GraphQL)', async () => {
      const expected = fleet.rules
        .filter((r) => r.bucket === ONE_BUCKET)
        .map((r) => r.ruleId)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      const rest = await restAll(oneBucket);
      expect(rest.items.map((i) => i.rule.id).sort()).toEqual(expected);
      expect(rest.items.every((i) => i.bucket === ONE_BUCKET && i.health !== null)).toBe(true);
      const gql = await graphqlAll(oneBucket);
      expect(gql.map((i) => i.rule.id).sort()).toEqual(expected);
      expect(gql.every((i) => i.health !== null)).toBe(true);
    });

    it('shows every rule but no health to a caller allowed only oss:GetBucketReplication (REST and GraphQL)', async () => {
      const rest = await restAll(listOnly);
      expect(rest.items).toHaveLength(RULES);
      expect(rest.items.every((i) => i.health === null)).toBe(true);
      const gql = await graphqlAll(listOnly);
      expect(gql).toHaveLength(RULES);
      expect(gql.every((i) => i.health === null)).toBe(true);
    });

    it('answers an empty page (not an error) to a caller who may read no bucket', async () => {
      const res = await t.request.get('/v1/replication/rules').set(key(nothing));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], nextCursor: null });
      const gql = await t.graphql(FLEET_QUERY, {}, key(nothing));
      expect(gql.body.data.replicationFleet).toEqual({ items: [], nextCursor: null });
    });

    it('refuses an anonymous caller (401)', async () => {
      const res = await t.request.get('/v1/replication/rules');
      expect(res.status).toBe(401);
    });

    it('never matches a health filter on rows whose health the caller may not read', async () => {
      const res = await t.request
        .get('/v1/replication/rules')
        .query({ health: 'lagging' })
        .set(key(listOnly));
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    });

    it('records one decision event for a listing, not one per row', async () => {
      const res = await t.request.get('/v1/replication/rules').query({ first: '500' }).set(key(admin));
      expect(res.status).toBe(200);
      const requestId = res.headers['x-request-id'];
      const audit = t.app.get(AuditService);
      await audit.flush();
      const events = await audit.query({ requestId }, 50);
      expect(events.items).toHaveLength(1);
      expect(events.items[0]).toMatchObject({
        kind: 'decision',
        action: 'oss:GetBucketReplication',
        resource: 'acs:oss:*:*:*',
        decision: 'Allow',
        principal: 'fleet-admin',
      });
    });
  });

  describe('order, filters and paging', () => {
    it('sorts by severity, then lag (largest first), then account, bucket, rule id; every rule once over pages', async () => {
      const { items, pages } = await restAll(admin, {}, 37);
      expect(pages).toBe(Math.ceil(RULES / 37));
      expect(items).toHaveLength(RULES);
      expect(new Set(items.map((i) => `${i.bucket}/${i.rule.id}`)).size).toBe(RULES);
      for (let k = 1; k < items.length; k += 1) {
        const [a, b] = [items[k - 1], items[k]];
        const sa = HEALTH_SEVERITY[a.health!.state];
        const sb = HEALTH_SEVERITY[b.health!.state];
        expect(sa).toBeLessThanOrEqual(sb);
        // Lags are measured when a page is answered: compare them within a page.
        if (sa === sb && a.page === b.page) {
          expect(a.health!.lagSeconds ?? -1).toBeGreaterThanOrEqual(b.health!.lagSeconds ?? -1);
          if ((a.health!.lagSeconds ?? -1) === (b.health!.lagSeconds ?? -1)) {
            expect(
              [a.account, a.bucket, a.rule.id].join('\n') < [b.account, b.bucket, b.rule.id].join('\n'),
            ).toBe(true);
          }
        }
      }
      expect(items[0].health!.state).toBe('stalled');
      expect(items[items.length - 1].health!.state).toBe('healthy');
      const byRule = new Map(fleet.rules.map((r) => [r.ruleId, r.expected]));
      expect(items.every((i) => i.health!.state === byRule.get(i.rule.id))).toBe(true);
    });

    it('pages GraphQL the same as REST', async () => {
      const rest = await restAll(admin, {}, 500);
      const gql = await graphqlAll(admin, {}, 111);
      expect(gql.map((i) => `${i.bucket}/${i.rule.id}`)).toEqual(
        rest.items.map((i) => `${i.bucket}/${i.rule.id}`),
      );
    });

    it('filters by account, bucket, health, status and rtc (REST and GraphQL)', async () => {
      const lagging = await restAll(admin, { health: 'lagging', account: 'acme' });
      const want = fleet.rules.filter((r) => r.expected === 'lagging' && r.account === 'acme');
      expect(lagging.items.map((i) => i.rule.id).sort()).toEqual(want.map((r) => r.ruleId).sort());
      // Lagging rules: the largest lag first.
      const lags = lagging.items.map((i) => i.health!.lagSeconds!);
      expect([...lags].sort((x, y) => y - x)).toEqual(lags);

      const rtc = await graphqlAll(admin, { rtc: true, bucket: fleetBucket('globex', 2) });
      const wantRtc = fleet.rules.filter((r) => r.rule.rtc.enabled && r.bucket === fleetBucket('globex', 2));
      expect(rtc.map((i) => i.rule.id).sort()).toEqual(wantRtc.map((r) => r.ruleId).sort());

      const withoutRtc = await restAll(admin, { rtc: 'false', health: 'stalled' });
      expect(withoutRtc.items.length).toBe(
        fleet.rules.filter((r) => !r.rule.rtc.enabled && r.expected === 'stalled').length,
      );
      const closing = await restAll(admin, { status: 'closing' });
      expect(closing.items).toEqual([]);
    });

    it('refuses an unknown health state with 400 naming `health` (REST) and BAD_USER_INPUT (GraphQL)', async () => {
      const res = await t.request.get('/v1/replication/rules').query({ health: 'sad' }).set(key(admin));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'health' })]));
      const gql = await t.graphql(
        `{ replicationFleet(filter: { health: SAD }) { nextCursor } }`,
        {},
        key(admin),
      );
      expect(gql.body.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    });

    it('refuses a cursor it did not make and a page size out of range, naming the field', async () => {
      for (const [query, field] of [
        [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
        [{ first: '0' }, 'first'],
        [{ first: '501' }, 'first'],
        [{ rtc: 'yes' }, 'rtc'],
      ] as const) {
        const res = await t.request.get('/v1/replication/rules').query(query).set(key(admin));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
    });
  });

  describe('per-rule health and history', () => {
    const rule = () => fleet.rules.find((r) => r.bucket === ONE_BUCKET && r.expected !== 'unknown')!;

    it('answers a rule’s health (REST) and ReplicationRule.health in GraphQL via the fleet', async () => {
      const r = rule();
      const res = await t.request
        .get(`/v1/buckets/${r.bucket}/replication/rules/${r.ruleId}/health`)
        .set(key(oneBucket));
      expect(res.status).toBe(200);
      expect(res.body.state).toBe(r.expected);
      expect(typeof res.body.since).toBe('string');

      const gql = await t.graphql(
        `{ replicationFleet(filter: { bucket: "${r.bucket}" }, first: 10) { items { rule { id health { state } } } } }`,
        {},
        key(oneBucket),
      );
      expect(gql.body.errors).toBeUndefined();
      const items = gql.body.data.replicationFleet.items as Array<{
        rule: { id: string; health: { state: string } };
      }>;
      expect(items.find((i) => i.rule.id === r.ruleId)?.rule.health.state).toBe(r.expected.toUpperCase());
    });

    it('answers 404 for a rule the inventory does not know, and 403 without the progress action', async () => {
      const unknown = await t.request
        .get(`/v1/buckets/${ONE_BUCKET}/replication/rules/no-such-rule/health`)
        .set(key(oneBucket));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'NOT_FOUND', reason: 'ReplicationRuleNotFound' });
      const history = await t.request
        .get(`/v1/buckets/${ONE_BUCKET}/replication/rules/no-such-rule/progress/history`)
        .set(key(oneBucket));
      expect(history.status).toBe(404);
      const denied = await t.request
        .get(`/v1/buckets/${ONE_BUCKET}/replication/rules/${rule().ruleId}/health`)
        .set(key(listOnly));
      expect(denied.status).toBe(403);
      expect(denied.body.authorization.action).toBe('oss:GetBucketReplicationProgress');
    });

    it('pages a rule’s history oldest first with an opaque cursor, within [from, to)', async () => {
      const r = rule();
      const path = `/v1/buckets/${r.bucket}/replication/rules/${r.ruleId}/progress/history`;
      const all = await t.request.get(path).set(key(oneBucket));
      expect(all.status).toBe(200);
      const times = (all.body.samples as Array<{ time: string }>).map((s) => s.time);
      expect(times).toHaveLength(3);
      expect([...times].sort()).toEqual(times);
      expect(all.body.nextCursor).toBeNull();

      const first = await t.request.get(path).query({ first: '2' }).set(key(oneBucket));
      expect(first.body.samples.map((s: { time: string }) => s.time)).toEqual(times.slice(0, 2));
      expect(typeof first.body.nextCursor).toBe('string');
      const second = await t.request
        .get(path)
        .query({ first: '2', after: first.body.nextCursor as string })
        .set(key(oneBucket));
      expect(second.body.samples.map((s: { time: string }) => s.time)).toEqual(times.slice(2));
      expect(second.body.nextCursor).toBeNull();

      const window = await t.request.get(path).query({ from: times[1], to: times[2] }).set(key(oneBucket));
      expect(window.body.samples.map((s: { time: string }) => s.time)).toEqual([times[1]]);

      const bad = await t.request.get(path).query({ from: 'yesterday' }).set(key(oneBucket));
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'from' })]));

      const gql = await t.graphql(
        `{ replicationFleet(filter: { bucket: "${r.bucket}" }, first: 50) {
             items { rule { id progressHistory(first: 2) { samples { time status } nextCursor } } } } }`,
        {},
        key(oneBucket),
      );
      expect(gql.body.errors).toBeUndefined();
      const item = (
        gql.body.data.replicationFleet.items as Array<{
          rule: {
            id: string;
            progressHistory: { samples: Array<{ time: string }>; nextCursor: string | null };
          };
        }>
      ).find((i) => i.rule.id === r.ruleId)!;
      expect(item.rule.progressHistory.samples.map((s) => s.time)).toEqual(times.slice(0, 2));
      expect(item.rule.progressHistory.nextCursor).toBe(first.body.nextCursor);
    });

    it('answers GraphQL ReplicationRule.health null with FORBIDDEN for a caller without the progress action', async () => {
      const gql = await t.graphql(
        `{ replicationFleet(filter: { bucket: "${ONE_BUCKET}" }, first: 1) { items { rule { id health { state } } } } }`,
        {},
        key(listOnly),
      );
      expect(gql.body.data.replicationFleet.items[0].rule.health).toBeNull();
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
