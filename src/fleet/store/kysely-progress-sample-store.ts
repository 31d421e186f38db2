import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type Selectable, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { SqlDialectName } from '../../audit/store/audit-table.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../../audit/store/database-url.js';
import { SqliteWriterThread } from '../../audit/store/sqlite-writer-thread.js';
import type { RtcStatus } from '../../replication/domain/replication-rule.js';
import {
  type ProgressSample,
  type RuleProgressSample,
  type RuleRef,
  ruleKey,
  type SampleStatus,
} from '../domain/progress-sample.js';
import { FleetMigrationProvider } from './fleet-migrations.js';
import type { HistoryQuery, ProgressSampleStore } from './progress-sample-store.js';
import type { FleetDatabase, ProgressSamplesTable } from './progress-table.js';

export interface KyselyProgressSampleStoreOptions {
  /** PostgreSQL only: keep the tables (and the migration tables) in this schema. */
  schema?: string;
  /** PostgreSQL pool size (default 2: the sampler writes once per pass, the fleet API reads). */
  poolSize?: number;
  /** PostgreSQL: give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Base directory for relative SQLite paths (default: the process's working directory). */
  cwd?: string;
  /** Receives errors of pooled connections that die outside a query. */
  onIdleError?: (error: Error) => void;
}

const COLUMNS = [
  'account',
  'bucket',
  'rule_id',
  'time',
  'status',
  'historical_progress',
  'new_objects_until',
  'rtc_status',
  'error',
] as const satisfies ReadonlyArray<keyof ProgressSamplesTable>;

/** Idempotent single-row INSERT for SQLite (the writer thread and in-memory databases). */
const SQLITE_INSERT_SQL = `insert into "progress_samples" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${COLUMNS.map(() => '?').join(', ')}) on conflict do nothing`;
const SQLITE_PRUNE_SQL = 'delete from "progress_samples" where "time" < ?';

/** Rows per PostgreSQL INSERT, and rules per `latest` query: far below both bound-parameter limits. */
const CHUNK = 500;

/**
 * Progress samples on Kysely, in the database of `DATABASE_URL` (the audit trail's), through the
 * audit store's URL parsing and SQLite writer thread: SQLite (better-sqlite3, WAL; writes on a worker
 * thread, so neither the sampler's appends nor retention's deletes hold the event loop while the
 * audit writer holds the lock) or PostgreSQL (pg Pool).
 */
export class KyselyProgressSampleStore implements ProgressSampleStore {
  private sqliteStatements: { insert: Database.Statement; prune: Database.Statement } | undefined;

  private constructor(
    private readonly root: Kysely<FleetDatabase>,
    private readonly dialect: SqlDialectName,
    readonly description: string,
    private readonly schema: string | undefined,
    private readonly sqlite?: Database.Database,
    private readonly writers?: { insert: SqliteWriterThread; prune: SqliteWriterThread },
  ) {}

  private get db(): Kysely<FleetDatabase> {
    return this.schema ? this.root.withSchema(this.schema) : this.root;
  }

  /** Opens (but does not migrate) the store named by a DATABASE_URL. */
  static open(url: string, options: KyselyProgressSampleStoreOptions = {}): KyselyProgressSampleStore {
    const target = parseDatabaseUrl(url, options.cwd);
    if (target.kind === 'sqlite') {
      const memory = target.file === ':memory:';
      if (!memory) {
        mkdirSync(dirname(target.file), { recursive: true });
      }
      const database = new Database(target.file);
      if (!memory) {
        database.pragma('journal_mode = WAL');
        database.pragma('synchronous = NORMAL');
      }
      database.pragma('busy_timeout = 5000');
      const db = new Kysely<FleetDatabase>({ dialect: new SqliteDialect({ database }) });
      const writers = memory
        ? undefined
        : {
            insert: new SqliteWriterThread(target.file, SQLITE_INSERT_SQL),
            prune: new SqliteWriterThread(target.file, SQLITE_PRUNE_SQL),
          };
      return new KyselyProgressSampleStore(
        db,
        'sqlite',
        `sqlite:${target.file}`,
        undefined,
        database,
        writers,
      );
    }
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: options.poolSize ?? 2,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
    });
    const onError = (error: Error) => options.onIdleError?.(error);
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = new Kysely<FleetDatabase>({ dialect: new PostgresDialect({ pool }) });
    return new KyselyProgressSampleStore(
      db,
      'postgres',
      redactDatabaseUrl(target.connectionString),
      options.schema,
    );
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: new FleetMigrationProvider(this.dialect),
      migrationTableName: 'fleet_migrations',
      migrationLockTableName: 'fleet_migrations_lock',
      ...(this.schema ? { migrationTableSchema: this.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      throw error instanceof Error ? error : new Error('fleet migration failed', { cause: error });
    }
  }

  async append(samples: readonly RuleProgressSample[]): Promise<void> {
    if (samples.length === 0) {
      return;
    }
    const rows = samples.map((s) => toRow(s));
    if (this.writers) {
      await this.writers.insert.insert(rows.map((r) => COLUMNS.map((c) => r[c])));
      return;
    }
    if (this.sqlite) {
      const { insert } = this.statements(this.sqlite);
      this.sqlite.transaction(() => {
        for (const row of rows) {
          insert.run(...COLUMNS.map((c) => row[c]));
        }
      })();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto('progress_samples')
          .values(rows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['account', 'bucket', 'rule_id', 'time']).doNothing())
          .execute();
      }
    });
  }

  async history(rule: RuleRef, query: HistoryQuery): Promise<ProgressSample[]> {
    let q = this.db
      .selectFrom('progress_samples')
      .selectAll()
      .where('account', '=', rule.account)
      .where('bucket', '=', rule.bucket)
      .where('rule_id', '=', rule.ruleId);
    if (query.from !== undefined) {
      q = q.where('time', '>=', query.from.toISOString());
    }
    if (query.to !== undefined) {
      q = q.where('time', '<', query.to.toISOString());
    }
    if (query.after !== undefined) {
      // A row-value comparison over the whole primary key: the page starts where the index range
      // scan starts, in both SQLite and PostgreSQL.
      const after = query.after.toISOString();
      q = q.where((eb) =>
        eb(
          eb.refTuple('account', 'bucket', 'rule_id', 'time'),
          '>',
          eb.tuple(rule.account, rule.bucket, rule.ruleId, after),
        ),
      );
    }
    const rows = await q.orderBy('time', 'asc').limit(query.first).execute();
    return rows.map((r) => fromRow(r));
  }

  async latest(rules: readonly RuleRef[], count: number): Promise<Map<string, ProgressSample[]>> {
    const out = new Map<string, ProgressSample[]>();
    if (count <= 0) {
      return out;
    }
    for (let i = 0; i < rules.length; i += CHUNK) {
      const chunk = rules.slice(i, i + CHUNK);
      const ranked = this.db
        .selectFrom('progress_samples')
        .selectAll()
        .select((eb) =>
          eb.fn
            .agg<number>('row_number')
            .over((ob) => ob.partitionBy(['account', 'bucket', 'rule_id']).orderBy('time', 'desc'))
            .as('rank'),
        )
        .where((eb) =>
          eb(
            eb.refTuple('account', 'bucket', 'rule_id'),
            'in',
            chunk.map((r) => eb.tuple(r.account, r.bucket, r.ruleId)),
          ),
        );
      const rows = await this.db
        .selectFrom(ranked.as('ranked'))
        .selectAll()
        .where('rank', '<=', count)
        .orderBy('account')
        .orderBy('bucket')
        .orderBy('rule_id')
        .orderBy('time', 'asc')
        .execute();
      for (const row of rows) {
        const key = ruleKey({ account: row.account, bucket: row.bucket, ruleId: row.rule_id });
        let list = out.get(key);
        if (!list) {
          list = [];
          out.set(key, list);
        }
        list.push(fromRow(row));
      }
    }
    return out;
  }

  async prune(olderThan: Date): Promise<void> {
    const cutoff = olderThan.toISOString();
    if (this.writers) {
      await this.writers.prune.insert([[cutoff]]);
      return;
    }
    if (this.sqlite) {
      this.statements(this.sqlite).prune.run(cutoff);
      return;
    }
    await this.db.deleteFrom('progress_samples').where('time', '<', cutoff).execute();
  }

  async close(): Promise<void> {
    try {
      await Promise.all([this.writers?.insert.close(), this.writers?.prune.close()]);
    } finally {
      await this.root.destroy();
    }
  }

  /** Prepared once the table exists (after `migrate`). */
  private statements(database: Database.Database): { insert: Database.Statement; prune: Database.Statement } {
    return (this.sqliteStatements ??= {
      insert: database.prepare(SQLITE_INSERT_SQL),
      prune: database.prepare(SQLITE_PRUNE_SQL),
    });
  }
}

interface Row {
  account: string;
  bucket: string;
  rule_id: string;
  time: string;
  status: string | null;
  historical_progress: number | null;
  new_objects_until: string | null;
  rtc_status: string | null;
  error: string | null;
}

function toRow(s: RuleProgressSample): Row {
  return {
    account: s.account,
    bucket: s.bucket,
    rule_id: s.ruleId,
    time: s.time.toISOString(),
    status: s.status,
    historical_progress: s.historicalObjectProgress,
    new_objects_until: s.newObjectsReplicatedUntil?.toISOString() ?? null,
    rtc_status: s.rtcStatus,
    error: s.error ?? null,
  };
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function fromRow(r: Selectable<ProgressSamplesTable>): ProgressSample {
  const sample: ProgressSample = {
    time: toDate(r.time),
    status: r.status as SampleStatus | null,
    historicalObjectProgress: r.historical_progress === null ? null : Number(r.historical_progress),
    newObjectsReplicatedUntil: r.new_objects_until === null ? null : toDate(r.new_objects_until),
    rtcStatus: r.rtc_status as RtcStatus | null,
  };
  if (r.error !== null) {
    sample.error = r.error;
  }
  return sample;
}
