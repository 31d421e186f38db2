import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePostgresTestUrl } from '../../audit/__fixtures__/postgres-test-schema.js';
import { SingleInstanceLeaderElection } from './leader-election.js';
import {
  advisoryLockKey,
  DEFAULT_SAMPLER_LOCK_NAME,
  PostgresLeaderElection,
  samplerLockName,
} from './postgres-leader-election.js';

const pgUrl = await resolvePostgresTestUrl();

describe(samplerLockName.name, () => {
  it("names one lock per schema (the URL's search_path), the default lock without one", () => {
    const base = 'postgres://gw@db.example:5432/gateway';
    expect(samplerLockName(base)).toBe(DEFAULT_SAMPLER_LOCK_NAME);
    expect(samplerLockName(`${base}?sslmode=require`)).toBe(DEFAULT_SAMPLER_LOCK_NAME);
    const a = samplerLockName(`${base}?options=${encodeURIComponent('-c search_path=tenant_a')}`);
    const b = samplerLockName(`${base}?options=-c%20search_path%3Dtenant_b&sslmode=require`);
    expect(a).toBe(`${DEFAULT_SAMPLER_LOCK_NAME}:tenant_a`);
    expect(b).toBe(`${DEFAULT_SAMPLER_LOCK_NAME}:tenant_b`);
    expect(
      samplerLockName(
        `${base}?options=${encodeURIComponent('-c statement_timeout=5s -c search_path=a,public')}`,
      ),
    ).toBe(`${DEFAULT_SAMPLER_LOCK_NAME}:a,public`);
  });
});

describe.runIf(pgUrl)(PostgresLeaderElection.name, () => {
  const url = pgUrl!;
  let admin: pg.Client;
  let electors: PostgresLeaderElection[] = [];
  let lockName: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
  });

  afterEach(async () => {
    await Promise.all(electors.map((e) => e.release()));
    electors = [];
  });

  /** Two instances electing the sampler's leader on one PostgreSQL (a lock name of this test's own). */
  function pair(): [PostgresLeaderElection, PostgresLeaderElection] {
    lockName = `leader-test-${process.pid}-${randomBytes(6).toString('hex')}`;
    electors = [0, 1].map(() => new PostgresLeaderElection({ connectionString: url, lockName }));
    return [electors[0], electors[1]];
  }

  /** The backend holding the advisory lock (pg_locks splits a bigint key into two 32-bit halves). */
  async function lockHolder(): Promise<number | undefined> {
    const key = BigInt.asUintN(64, advisoryLockKey(lockName));
    const { rows } = await admin.query<{ pid: number }>(
      `select pid from pg_locks where locktype = 'advisory' and granted and objsubid = 1
         and classid = $1::bigint::oid and objid = $2::bigint::oid`,
      [(key >> 32n).toString(), (key & 0xffffffffn).toString()],
    );
    return rows[0]?.pid;
  }

  it('lets exactly one of two instances lead, and keeps that one leading', async () => {
    const [a, b] = pair();
    const first = await Promise.all([a.acquire(), b.acquire()]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const again = await Promise.all([a.acquire(), b.acquire()]);
    expect(again).toEqual(first);
    expect([a.isLeader(), b.isLeader()]).toEqual(first);
    expect(await lockHolder()).toBeTypeOf('number');
  });

  it('hands leadership over on the next attempt when the leader releases it', async () => {
    const [a, b] = pair();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(a.isLeader()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
  });

  it("hands leadership over when the leader's connection is killed, and the old leader knows it lost", async () => {
    const [a, b] = pair();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    const pid = await lockHolder();
    expect(pid).toBeTypeOf('number');
    // Waits (up to 5 s) until the backend is gone, and its lock with it.
    await admin.query('select pg_terminate_backend($1, 5000)', [pid]);

    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(true);
  });

  it('does not lead (and does not throw) when PostgreSQL cannot be reached', async () => {
    const errors: Error[] = [];
    const unreachable = new PostgresLeaderElection({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      timeoutMs: 2_000,
      onError: (e) => errors.push(e),
    });
    electors = [unreachable];
    expect(await unreachable.acquire()).toBe(false);
    expect(unreachable.isLeader()).toBe(false);
    expect(errors).toHaveLength(1);
  });
});

describe(SingleInstanceLeaderElection.name, () => {
  it('always leads once asked, until released', async () => {
    const election = new SingleInstanceLeaderElection();
    expect(election.isLeader()).toBe(false);
    expect(await election.acquire()).toBe(true);
    expect(election.isLeader()).toBe(true);
    await election.release();
    expect(election.isLeader()).toBe(false);
  });
});
