import { createHash } from 'node:crypto';
import pg from 'pg';
import type { LeaderElection } from './leader-election.js';

export interface PostgresLeaderElectionOptions {
  connectionString: string;
  /** What is being led; instances sharing a database and a name elect one leader. */
  lockName?: string;
  /** Connecting, and each query on the lock's connection, give up after this long (default 5 s). */
  timeoutMs?: number;
  /** Connection failures and lost connections (each means "not the leader"). */
  onError?: (error: Error) => void;
}

export const DEFAULT_SAMPLER_LOCK_NAME = 'oss-replication-gateway:progress-sampler';

/**
 * The sampler's lock name for a `DATABASE_URL`: instances that share a database AND a schema (the
 * `search_path` set in the URL's `options=-c search_path=…`) elect one leader; instances in other
 * schemas of the same database keep separate progress histories and so elect leaders of their own.
 * Without a `search_path` in the URL the name is DEFAULT_SAMPLER_LOCK_NAME.
 */
export function samplerLockName(connectionString: string): string {
  let options: string | null;
  try {
    options = new URL(connectionString).searchParams.get('options');
  } catch {
    return DEFAULT_SAMPLER_LOCK_NAME;
  }
  const searchPath = options?.match(/(?:^|\s)-c\s*search_path=(\S+)/)?.[1];
  return searchPath ? `${DEFAULT_SAMPLER_LOCK_NAME}:${searchPath}` : DEFAULT_SAMPLER_LOCK_NAME;
}

/** The advisory lock's 64-bit key: the first 8 bytes of sha256(name), signed, as PostgreSQL's bigint. */
export function advisoryLockKey(name: string): bigint {
  return createHash('sha256').update(name, 'utf8').digest().readBigInt64BE(0);
}

/**
 * Leadership as a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`) held on a
 * connection of its own (not a pooled one: a pool would hand the lock's session to other queries and
 * close it when idle). PostgreSQL releases the lock when that session ends, so a dead instance —
 * process killed, connection cut, backend terminated — frees it for the next instance's `acquire`.
 * A leader checks its connection on every `acquire`; an error or end of the connection is lost
 * leadership at once.
 */
export class PostgresLeaderElection implements LeaderElection {
  private readonly key: string;
  private client: pg.Client | undefined;
  private leading = false;
  /** Calls run one after another: one connection, one question at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PostgresLeaderElectionOptions) {
    this.key = advisoryLockKey(options.lockName ?? DEFAULT_SAMPLER_LOCK_NAME).toString();
  }

  acquire(): Promise<boolean> {
    return this.serial(() => this.tryAcquire());
  }

  isLeader(): boolean {
    return this.leading;
  }

  release(): Promise<void> {
    return this.serial(async () => {
      const client = this.client;
      this.leading = false;
      this.client = undefined;
      if (!client) {
        return;
      }
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [this.key]);
      } catch {
        // The session is going away anyway, and the lock with it.
      }
      await client.end().catch(() => undefined);
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async tryAcquire(): Promise<boolean> {
    let client: pg.Client | undefined;
    try {
      client = this.client ?? (await this.connect());
      if (this.leading) {
        // Still our session? A terminated backend or a cut connection fails here if its 'error'
        // event has not said so already.
        await client.query('select 1');
        return this.leading;
      }
      const result = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1::bigint) as locked',
        [this.key],
      );
      this.leading = this.client === client && result.rows[0]?.locked === true;
      return this.leading;
    } catch (error) {
      // Reported once: a connection whose 'error' event came first has been dropped already.
      if (client === undefined || this.client === client) {
        this.lost(error);
      }
      return false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const timeout = this.options.timeoutMs ?? 5_000;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      keepAlive: true,
      application_name: 'oss-replication-gateway leader election',
    });
    // Without listeners a connection dying between queries would be an uncaught exception.
    client.on('error', (error) => {
      if (this.client === client) {
        this.lost(error);
      }
    });
    client.on('end', () => {
      if (this.client === client) {
        this.lost(new Error('the leader-election connection to PostgreSQL ended'));
      }
    });
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      this.client = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** The connection is gone or unusable: so is leadership (PostgreSQL frees the lock with the session). */
  private lost(error: unknown): void {
    const client = this.client;
    const wasLeader = this.leading;
    this.leading = false;
    this.client = undefined;
    void client?.end().catch(() => undefined);
    const reason = error instanceof Error ? error : new Error(String(error));
    this.options.onError?.(
      wasLeader ? new Error(`lost sampler leadership: ${reason.message}`, { cause: reason }) : reason,
    );
  }
}
