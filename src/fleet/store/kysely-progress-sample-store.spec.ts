import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decisionInput, storedEvent } from '../../audit/__fixtures__/audit-events.js';
import {
  createPostgresTestSchema,
  resolvePostgresTestUrl,
} from '../../audit/__fixtures__/postgres-test-schema.js';
import { KyselyAuditStore } from '../../audit/store/kysely-audit-store.js';
import { type RuleProgressSample, type RuleRef, ruleKey } from '../domain/progress-sample.js';
import { KyselyProgressSampleStore } from './kysely-progress-sample-store.js';

const pgUrl = await resolvePostgresTestUrl();
const tmp = mkdtempSync(join(tmpdir(), 'progress-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Opened {
  url: string;
  schema?: string;
  store: KyselyProgressSampleStore;
  cleanup: () => Promise<void>;
}

interface Backend {
  name: string;
  /** Whether a second connection (the audit store) sees the same database. */
  shared: boolean;
  open(): Opened;
}

let fileCounter = 0;
const backends: Backend[] = [
  {
    name: 'SQLite in memory',
    shared: false,
    open: () => ({
      url: 'sqlite::memory:',
      store: KyselyProgressSampleStore.open('sqlite::memory:'),
      cleanup: () => Promise.resolve(),
    }),
  },
  {
    name: 'SQLite file',
    shared: true,
    open: () => {
      fileCounter += 1;
      const url = `sqlite:${join(tmp, `run-${fileCounter}`, 'gateway.db')}`;
      return { url, store: KyselyProgressSampleStore.open(url), cleanup: () => Promise.resolve() };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          shared: true,
          open: (): Opened => {
            const target = createPostgresTestSchema(pgUrl);
            return {
              url: target.url,
              schema: target.schema,
              store: KyselyProgressSampleStore.open(target.url, { schema: target.schema }),
              cleanup: () => target.drop(),
            };
          },
        },
      ]
    : []),
];

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const RULE_A: RuleRef = { account: 'default', bucket: 'source-a', ruleId: 'rule-1' };
const RULE_B: RuleRef = { account: 'default', bucket: 'source-a', ruleId: 'rule-2' };
const RULE_C: RuleRef = { account: 'other', bucket: 'source-a', ruleId: 'rule-1' };

function sampleOf(
  rule: RuleRef,
  minute: number,
  fields: Partial<RuleProgressSample> = {},
): RuleProgressSample {
  return {
    ...rule,
    time: new Date(T0 + minute * 60_000),
    status: 'doing',
    historicalObjectProgress: minute / 100,
    newObjectsReplicatedUntil: new Date(T0 + minute * 60_000 - 5_000),
    rtcStatus: 'enabled',
    ...fields,
  };
}

/** The stored view of a sample (without its rule). */
function stored(s: RuleProgressSample) {
  const { account: _a, bucket: _b, ruleId: _r, ...rest } = s;
  return rest;
}

describe.each(backends)(`${KyselyProgressSampleStore.name} on $name`, (backend) => {
  let opened: Opened;
  let store: KyselyProgressSampleStore;

  beforeEach(async () => {
    opened = backend.open();
    store = opened.store;
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    await opened.cleanup();
  });

  it('migrates idempotently', async () => {
    await expect(store.migrate()).resolves.toBeUndefined();
    await expect(store.history(RULE_A, { first: 10 })).resolves.toEqual([]);
  });

  it.runIf(backend.shared)(
    'lives beside the audit trail in the same database, each with its own migrations',
    async () => {
      const audit = KyselyAuditStore.open(opened.url, opened.schema ? { schema: opened.schema } : {});
      try {
        await audit.migrate();
        await store.migrate();
        await audit.insert([storedEvent(decisionInput())]);
        await store.append([sampleOf(RULE_A, 1)]);
        await expect(audit.query({}, 10)).resolves.toHaveLength(1);
        await expect(store.history(RULE_A, { first: 10 })).resolves.toHaveLength(1);
      } finally {
        await audit.close();
      }
    },
  );

  it('reads back every field it wrote, nulls and errors included', async () => {
    const full = sampleOf(RULE_A, 1);
    const empty = sampleOf(RULE_A, 2, {
      status: 'gone',
      historicalObjectProgress: null,
      newObjectsReplicatedUntil: null,
      rtcStatus: null,
    });
    const failed = sampleOf(RULE_A, 3, {
      status: null,
      historicalObjectProgress: null,
      newObjectsReplicatedUntil: null,
      rtcStatus: null,
      error: 'UpstreamTimeout: OSS did not answer',
    });
    await store.append([full, empty, failed]);
    const got = await store.history(RULE_A, { first: 10 });
    expect(got).toEqual([stored(full), stored(empty), stored(failed)]);
    expect(got[0]?.time).toBeInstanceOf(Date);
  });

  it('appends idempotently: the same rule and time is stored once, the first kept', async () => {
    const first = sampleOf(RULE_A, 1);
    const again = sampleOf(RULE_A, 1, { historicalObjectProgress: 0.99 });
    await store.append([first, again]);
    await store.append([first]);
    await store.append([again, sampleOf(RULE_A, 2)]);
    const got = await store.history(RULE_A, { first: 10 });
    expect(got.map((s) => s.historicalObjectProgress)).toEqual([0.01, 0.02]);
  });

  it('keeps rules apart: same bucket and rule id under another account is another rule', async () => {
    await store.append([sampleOf(RULE_A, 1), sampleOf(RULE_B, 1), sampleOf(RULE_C, 1), sampleOf(RULE_C, 2)]);
    await expect(store.history(RULE_A, { first: 10 })).resolves.toHaveLength(1);
    await expect(store.history(RULE_C, { first: 10 })).resolves.toHaveLength(2);
  });

  it('answers a time range, oldest first, from inclusive and to exclusive', async () => {
    await store.append([5, 1, 3, 2, 4].map((m) => sampleOf(RULE_A, m)));
    const got = await store.history(RULE_A, {
      from: new Date(T0 + 2 * 60_000),
      to: new Date(T0 + 4 * 60_000),
      first: 10,
    });
    expect(got.map((s) => s.time.getTime())).toEqual([T0 + 2 * 60_000, T0 + 3 * 60_000]);
  });

  it('pages with a keyset position without skipping or repeating samples', async () => {
    await store.append(Array.from({ length: 7 }, (_, i) => sampleOf(RULE_A, i)));
    await store.append([sampleOf(RULE_B, 3)]);
    const seen: number[] = [];
    let after: Date | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await store.history(RULE_A, { first: 3, ...(after ? { after } : {}) });
      seen.push(...page.map((s) => (s.time.getTime() - T0) / 60_000));
      if (page.length < 3) {
        break;
      }
      after = page[page.length - 1].time;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('gives the newest N samples of each rule asked for, oldest first', async () => {
    await store.append([
      ...[1, 2, 3, 4].map((m) => sampleOf(RULE_A, m)),
      ...[1, 2].map((m) => sampleOf(RULE_B, m)),
      sampleOf(RULE_C, 9),
    ]);
    const missing: RuleRef = { account: 'default', bucket: 'source-a', ruleId: 'never-sampled' };
    const got = await store.latest([RULE_A, RULE_B, missing], 3);
    const minutes = (rule: RuleRef) => got.get(ruleKey(rule))?.map((s) => (s.time.getTime() - T0) / 60_000);
    expect(minutes(RULE_A)).toEqual([2, 3, 4]);
    expect(minutes(RULE_B)).toEqual([1, 2]);
    expect(got.has(ruleKey(missing))).toBe(false);
    expect(got.has(ruleKey(RULE_C))).toBe(false);
    await expect(store.latest([], 3)).resolves.toEqual(new Map());
  });

  it('answers latest for more rules than one query takes', async () => {
    const rules = Array.from({ length: 1_200 }, (_, i) => ({ ...RULE_A, ruleId: `rule-${i}` }));
    await store.append(rules.map((r) => sampleOf(r, 1)));
    const got = await store.latest(rules, 1);
    expect(got.size).toBe(1_200);
  });

  it('prunes samples older than the cutoff only', async () => {
    await store.append([1, 2, 3].map((m) => sampleOf(RULE_A, m)));
    await store.append([sampleOf(RULE_B, 1)]);
    await store.prune(new Date(T0 + 2 * 60_000));
    await expect(store.history(RULE_A, { first: 10 })).resolves.toHaveLength(2);
    await expect(store.history(RULE_B, { first: 10 })).resolves.toHaveLength(0);
  });
});
