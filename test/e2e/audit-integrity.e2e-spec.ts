/*
 * Audit integrity end to end (DESIGN §10): the hash chain each gateway instance keeps, verified over
 * REST (`GET /v1/audit/verify`), GraphQL (`auditVerification`) and the `npm run audit:verify`
 * script; tampering (a changed and a deleted event) named by all three; a restart continuing its
 * chain; two instances on one PostgreSQL; retention pruning to a checkpoint; the NDJSON export.
 * On a SQLite file and on PostgreSQL (a schema of its own per test).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../../scripts/audit-verify.js';
import { decisionInput, storedEvent } from '../../src/audit/__fixtures__/audit-events.js';
import { resolvePostgresTestUrl } from '../../src/audit/__fixtures__/postgres-test-schema.js';
import { AuditIntegrityService } from '../../src/audit/audit-integrity.service.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { AUDIT_STORE, type AuditStore } from '../../src/audit/store/audit-store.js';
import {
  policy,
  principalWithKey,
  allow,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { execSqliteFile } from '../../src/audit/__fixtures__/sqlite-test-file.js';

const auditor = principalWithKey('auditor', { policies: [policy(allow('gateway:*'))] });
const principals: PrincipalsFile = writePrincipalsFile({ principals: [auditor.entry] });
const tmp = mkdtempSync(join(tmpdir(), 'audit-integrity-'));
afterAll(() => {
  principals.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

interface FailureView {
  reason: string;
  instanceId: string;
  seq: number;
  eventId?: string;
  detail: string;
}

/** The verification report as both transports answer it (the fields these tests read). */
interface VerificationView {
  valid: boolean;
  unchainedEvents: number;
  firstFailure: FailureView | null;
  instances: Array<{
    instanceId: string;
    valid: boolean;
    firstSeq?: number;
    lastSeq?: number;
    headHash?: string;
    checkpoint?: { seq: number; hash: string };
    failure?: FailureView;
  }>;
}

const pgUrl = await resolvePostgresTestUrl();

interface TestDatabase {
  /** DATABASE_URL for the gateway and the script. */
  url: string;
  /** SQL run behind the gateway's back: the tampering. */
  exec(statement: string): Promise<void>;
  drop(): Promise<void>;
}

async function pgRun(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl! });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

let counter = 0;
const backends: Array<{ name: string; postgres: boolean; create(): Promise<TestDatabase> }> = [
  {
    name: 'SQLite file',
    postgres: false,
    create: () => {
      counter += 1;
      const file = join(tmp, `integrity-${counter}.db`);
      return Promise.resolve({
        url: `sqlite:${file}`,
        exec: (statement: string) => execSqliteFile(file, statement),
        drop: () => Promise.resolve(),
      });
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          postgres: true,
          create: async (): Promise<TestDatabase> => {
            const schema = `audit_integrity_${process.pid}_${randomBytes(4).toString('hex')}`;
            await pgRun(`create schema "${schema}"`);
            const url = new URL(pgUrl);
            url.searchParams.set('options', `-c search_path=${schema}`);
            return {
              url: url.toString(),
              exec: (statement: string) => pgRun(`set search_path to "${schema}"; ${statement}`),
              drop: () => pgRun(`drop schema if exists "${schema}" cascade`),
            };
          },
        },
      ]
    : []),
];

const VERIFY_QUERY = `{ auditVerification {
  valid checked firstBrokenEventId
  instances { instanceId valid events firstSeq lastSeq headHash checkpoint { seq hash } }
  firstFailure { reason instanceId seq eventId detail }
} }`;

describe.each(backends)('audit integrity on $name', (backend) => {
  let database: TestDatabase;
  const apps: TestApp[] = [];
  const as = { authorization: `Bearer ${auditor.secret}` };

  const start = async (instanceId: string, env: Record<string, string> = {}): Promise<TestApp> => {
    const app = await createTestApp({
      DATABASE_URL: database.url,
      GATEWAY_PRINCIPALS_FILE: principals.file,
      GATEWAY_INSTANCE_ID: instanceId,
      AUDIT_FLUSH_INTERVAL_MS: '20',
      // Upstream mode pointed nowhere: these tests never reach OSS, and no emulator is started.
      OSS_ACCESS_KEY_ID: 'unused',
      OSS_ACCESS_KEY_SECRET: 'unused',
      OSS_ENDPOINT: '127.0.0.1:9',
      ...env,
    });
    apps.push(app);
    return app;
  };
  const stop = async (app: TestApp): Promise<void> => {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  };
  /** `n` requests, each one audited decision event. */
  const traffic = async (app: TestApp, n: number): Promise<void> => {
    for (let i = 0; i < n; i += 1) {
      await app.request.get('/v1/me').set(as).expect(200);
    }
  };
  const verifyRest = async (app: TestApp): Promise<VerificationView> =>
    (await app.request.get('/v1/audit/verify').set(as).expect(200)).body as VerificationView;
  const verifyGraphql = async (app: TestApp): Promise<VerificationView> => {
    const res = await app.graphql(VERIFY_QUERY, {}, as).expect(200);
    expect(res.body.errors).toBeUndefined();
    return (res.body as { data: { auditVerification: VerificationView } }).data.auditVerification;
  };
  const verifyScript = async () => {
    let output = '';
    const code = await runAuditVerify([database.url], (text) => {
      output += text;
    });
    return { code, output };
  };
  /** The stored events of one chain, oldest first, via the API. */
  const chainOf = async (app: TestApp, instanceId: string) => {
    const res = await app.request.get('/v1/audit').query({ first: 500 }).set(as).expect(200);
    return (res.body.items as Array<{ id: string; instanceId: string; seq: number; hash: string }>)
      .filter((e) => e.instanceId === instanceId)
      .sort((a, b) => a.seq - b.seq);
  };

  beforeEach(async () => {
    database = await backend.create();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) {
      await app.close();
    }
    await database.drop();
  });

  it('verifies an untouched trail over REST, GraphQL and the script', async () => {
    const app = await start('gw-a');
    await traffic(app, 5);

    const rest = await verifyRest(app);
    expect(rest).toMatchObject({ valid: true, firstFailure: null, unchainedEvents: 0 });
    expect(rest.instances).toEqual([
      expect.objectContaining({ instanceId: 'gw-a', valid: true, firstSeq: 1, headHash: expect.any(String) }),
    ]);
    expect(rest.instances[0].lastSeq).toBeGreaterThanOrEqual(5);
    expect(rest).toMatchObject({ checked: expect.any(Number), firstBrokenEventId: null });

    // A window: only its events are checked; a bad bound is a 400 naming it.
    const future = await app.request
      .get('/v1/audit/verify')
      .query({ from: '2999-01-01T00:00:00Z' })
      .set(as)
      .expect(200);
    expect(future.body).toMatchObject({ valid: true, checked: 0 });
    const bad = await app.request.get('/v1/audit/verify').query({ to: 'yesterday' }).set(as).expect(400);
    expect(JSON.stringify(bad.body.errors)).toContain('to');

    expect(await verifyGraphql(app)).toMatchObject({ valid: true, firstFailure: null });

    const script = await verifyScript();
    expect(script.code).toBe(0);
    expect(script.output).toMatch(/chain gw-a: ok, seq 1\.\./);
    expect(script.output).toMatch(/^OK: 1 chains/m);

    // Each event shows its place in the chain.
    const events = await chainOf(app, 'gw-a');
    expect(events[0]).toMatchObject({
      seq: 1,
      previousHash: '0'.repeat(64),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('names a changed event — its id, instance and seq, and a hash mismatch — over REST, GraphQL and the script', async () => {
    const app = await start('gw-a');
    await traffic(app, 5);
    const target = (await chainOf(app, 'gw-a')).find((e) => e.seq === 3)!;

    await database.exec(`update audit_events set principal = 'someone-else' where seq = 3`);

    const expected = { reason: 'hash-mismatch', instanceId: 'gw-a', seq: 3, eventId: target.id };
    const rest = await verifyRest(app);
    expect(rest.valid).toBe(false);
    expect(rest.firstFailure).toMatchObject(expected);
    expect(rest.instances[0]).toMatchObject({ valid: false, failure: expected });

    expect((await verifyGraphql(app)).firstFailure).toMatchObject({ ...expected, reason: 'HASH_MISMATCH' });

    const script = await verifyScript();
    expect(script.code).toBe(1);
    expect(script.output).toContain(
      `MISMATCH: first event ${target.id} (instance gw-a, seq 3): hash-mismatch`,
    );
  });

  it('names the event after a deleted one — missing seq — over REST, GraphQL and the script', async () => {
    const app = await start('gw-a');
    await traffic(app, 5);
    const after = (await chainOf(app, 'gw-a')).find((e) => e.seq === 3)!;

    await database.exec(`delete from audit_events where seq = 2`);

    const expected = { reason: 'missing-seq', instanceId: 'gw-a', seq: 2, eventId: after.id };
    expect((await verifyRest(app)).firstFailure).toMatchObject(expected);
    expect((await verifyGraphql(app)).firstFailure).toMatchObject({ ...expected, reason: 'MISSING_SEQ' });
    const script = await verifyScript();
    expect(script.code).toBe(1);
    expect(script.output).toContain(`event ${after.id} (instance gw-a, seq 2): missing-seq`);
  });

  it('continues its chain after a restart with the same instance id', async () => {
    const first = await start('gw-a');
    await traffic(first, 3);
    const before = await chainOf(first, 'gw-a');
    await stop(first);

    const second = await start('gw-a');
    await traffic(second, 2);
    const after = await chainOf(second, 'gw-a');
    expect(after.map((e) => e.seq)).toEqual(Array.from({ length: after.length }, (_, i) => i + 1));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(await verifyRest(second)).toMatchObject({
      valid: true,
      instances: [expect.objectContaining({ instanceId: 'gw-a', firstSeq: 1 })],
    });
    expect((await verifyScript()).code).toBe(0);
  });

  it.runIf(backend.postgres)(
    'keeps one chain per instance when two instances write to one PostgreSQL, and each verifies',
    async () => {
      const a = await start('gw-a');
      const b = await start('gw-b');
      await Promise.all([traffic(a, 6), traffic(b, 6)]);
      // Reads are audited in batches: what each instance has recorded is in the store now.
      await Promise.all([a, b].map((app) => app.app.get(AuditService).flush()));

      for (const app of [a, b]) {
        const report = await verifyRest(app);
        expect(report.valid).toBe(true);
        expect(report.instances.map((c: { instanceId: string }) => c.instanceId)).toEqual(['gw-a', 'gw-b']);
        expect((await verifyGraphql(app)).valid).toBe(true);
      }
      for (const id of ['gw-a', 'gw-b']) {
        const chain = await chainOf(a, id);
        expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: chain.length }, (_, i) => i + 1));
      }
      expect((await verifyScript()).code).toBe(0);
    },
  );

  it('prunes by AUDIT_RETENTION_DAYS to a checkpoint, and the trail still verifies', async () => {
    const app = await start('gw-a', { AUDIT_RETENTION_DAYS: '1' });
    await traffic(app, 4);
    const old = await chainOf(app, 'gw-a');
    const lastOld = old[old.length - 1];

    // Two days from now, everything written so far is older than the retention.
    const result = await app.app.get(AuditIntegrityService).prune(new Date(Date.now() + 2 * 86_400_000));
    expect(result?.deleted).toBeGreaterThanOrEqual(4);
    expect(result?.checkpoints).toEqual([expect.objectContaining({ instanceId: 'gw-a' })]);
    const checkpoint = result!.checkpoints[0];
    expect(checkpoint.seq).toBeGreaterThanOrEqual(lastOld.seq);

    await traffic(app, 2);
    const report = await verifyRest(app);
    expect(report).toMatchObject({ valid: true, firstFailure: null });
    expect(report.instances[0]).toMatchObject({
      instanceId: 'gw-a',
      checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash },
      firstSeq: checkpoint.seq + 1,
    });
    expect((await chainOf(app, 'gw-a')).some((e) => e.seq <= checkpoint.seq)).toBe(false);
    expect((await verifyScript()).output).toContain(`from checkpoint seq ${checkpoint.seq}`);
  });

  it('exports every matching event as NDJSON, one JSON per line, streamed across pages', async () => {
    const app = await start('gw-a');
    const store = app.app.get<AuditStore>(AUDIT_STORE);
    const base = Date.parse('2025-05-01T00:00:00.000Z');
    // More than one export page (500), with timestamps shared by several events.
    const bulk = Array.from({ length: 1_234 }, (_, i) =>
      storedEvent(
        decisionInput({
          principal: 'bulk-writer',
          time: new Date(base + Math.floor(i / 3)),
          requestId: `bulk-${i}`,
        }),
      ),
    );
    await store.insert(bulk);
    await traffic(app, 2);

    const res = await app.request
      .get('/v1/audit')
      .query({ principal: 'bulk-writer', first: 10 })
      .set({ ...as, accept: 'application/x-ndjson' })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const text = res.body as string;
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const events = lines.map(
      (line) => JSON.parse(line) as { id: string; time: string; principal: string; seq: number },
    );
    expect(events).toHaveLength(bulk.length);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(bulk.map((e) => e.id)));
    const newestFirst = [...bulk]
      .sort((x, y) => y.time.getTime() - x.time.getTime() || (x.id < y.id ? 1 : -1))
      .map((e) => e.id);
    expect(events.map((e) => e.id)).toEqual(newestFirst);
    expect(events[0]).toMatchObject({
      principal: 'bulk-writer',
      instanceId: 'gw-a',
      seq: expect.any(Number),
    });

    // Without the header the same route answers one JSON page.
    const page = await app.request
      .get('/v1/audit')
      .query({ principal: 'bulk-writer', first: 10 })
      .set(as)
      .expect(200);
    expect(page.headers['content-type']).toMatch(/^application\/json/);
    expect(page.body.items).toHaveLength(10);
  });

  it('answers a bad cursor on the export with 400 naming `after`, not a broken stream', async () => {
    const app = await start('gw-a');
    const res = await app.request
      .get('/v1/audit')
      .query({ after: 'not-a-cursor' })
      .set({ ...as, accept: 'application/x-ndjson' })
      .expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'after' })]);
  });
});

describe('npm run audit:verify', () => {
  it('explains its usage and exits 2 without a DATABASE_URL', async () => {
    let output = '';
    expect(await runAuditVerify([], (t) => (output += t))).toBe(2);
    expect(output).toContain('usage: npm run audit:verify -- <DATABASE_URL>');
  });

  it('exits 2 for a SQLite file that does not exist, and does not create it', async () => {
    let output = '';
    const file = join(tmp, 'missing', 'nothing.db');
    expect(await runAuditVerify([`sqlite:${file}`], (t) => (output += t))).toBe(2);
    expect(output).toMatch(/cannot open/);
    expect(existsSync(file)).toBe(false);
  });
});
