import { randomBytes } from 'node:crypto';
import pg from 'pg';

/*
 * PostgreSQL for the audit store's tests. CI runs PostgreSQL on 127.0.0.1:5432 (trust auth, database
 * `test`); if it cannot be reached the tests FAIL, unless AUDIT_SKIP_PG=1 says to skip them.
 * Every test gets its own schema, dropped afterwards.
 */

/* eslint-disable no-restricted-properties -- test-only switches, read where the tests need them. */
const SKIP = process.env.AUDIT_SKIP_PG === '1';
const CANDIDATES = process.env.AUDIT_TEST_PG_URL
  ? [process.env.AUDIT_TEST_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
/* eslint-enable no-restricted-properties */

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The PostgreSQL URL to test against, or null when skipping was asked for. Throws when unreachable. */
export async function resolvePostgresTestUrl(): Promise<string | null> {
  for (const url of CANDIDATES) {
    if (await reachable(url)) {
      return url;
    }
  }
  if (SKIP) {
    return null;
  }
  throw new Error(
    `PostgreSQL is not reachable at ${CANDIDATES.join(' or ')}; start it (see .ci/run) or set AUDIT_SKIP_PG=1 to skip the PostgreSQL audit tests`,
  );
}

export interface PostgresTestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named schema; `drop()` removes it with everything in it. */
export function createPostgresTestSchema(url: string): PostgresTestSchema {
  const schema = `audit_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
