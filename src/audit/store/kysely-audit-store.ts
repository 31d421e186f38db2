import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type Selectable, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import {
  type AuditEvent,
  type AuditEventQueryFilter,
  type AuditMatchedStatement,
  bucketFromResource,
} from '../audit-event.js';
import type { AuditCursorPosition } from '../audit-cursor.js';
import { AuditMigrationProvider } from './audit-migrations.js';
import type { AuditStore } from './audit-store.js';
import type { AuditDatabase, AuditEventsTable, SqlDialectName } from './audit-table.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';
import { type SqliteRowValues, SqliteWriterThread } from './sqlite-writer-thread.js';

export interface KyselyAuditStoreOptions {
  /** PostgreSQL only: keep the table (and Kysely's migration tables) in this schema. */
  schema?: string;
  /** PostgreSQL pool size (default 5). */
  poolSize?: number;
  /** PostgreSQL: give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Base directory for relative SQLite paths (default: the process's working directory). */
  cwd?: string;
  /** Receives errors of pooled connections that die outside a query (they would otherwise crash the process). */
  onIdleError?: (error: Error) => void;
}

/** Rows per INSERT statement: stays far below SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_STATEMENT = 500;

/** The columns of `audit_events` in the order of {@link KyselyAuditStore}'s prepared SQLite INSERT. */
const INSERT_COLUMNS = [
  'id',
  'time',
  'request_id',
  'client_request_id',
  'transport',
  'kind',
  'principal',
  'key_id',
  'source_ip',
  'user_agent',
  'action',
  'resource',
  'bucket',
  'decision',
  'matched_statements',
  'operation',
  'outcome_status',
  'oss_request_id',
  'oss_error_code',
  'latency_ms',
  'dry_run',
  'repeats',
] as const satisfies ReadonlyArray<keyof AuditEventsTable>;

/** Thrown inside a probe's transaction to roll it back. */
const ROLLBACK = new Error('audit write probe: rolled back on purpose');

/** The row `probeWrite` inserts and rolls back: shaped like a real event, never kept. */
function probeEvent(): AuditEvent {
  return {
    id: `probe-${randomUUID()}`,
    time: new Date(),
    requestId: 'audit-write-probe',
    transport: 'http',
    kind: 'decision',
    action: 'gateway:AuditWriteProbe',
    resource: '*',
    dryRun: true,
  };
}

/** SQLite's single-row INSERT in {@link INSERT_COLUMNS} order. */
const SQLITE_INSERT_SQL = `insert into "audit_events" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${INSERT_COLUMNS.map(() => '?').join(', ')})`;

/**
 * The audit store on Kysely: SQLite (better-sqlite3, WAL) or PostgreSQL (pg Pool). Kysely builds the
 * schema, the queries and PostgreSQL's inserts; SQLite's inserts (the hot path: two events per
 * forwarded request) reuse one prepared single-row INSERT inside one better-sqlite3 transaction per
 * batch instead of compiling and preparing a fresh multi-row statement for every flush.
 */
export class KyselyAuditStore implements AuditStore {
  private sqliteInsert: ((rows: readonly SqliteRowValues[]) => void) | undefined;

  private constructor(
    private readonly root: Kysely<AuditDatabase>,
    private readonly dialect: SqlDialectName,
    readonly description: string,
    private readonly schema: string | undefined,
    private readonly sqlite?: Database.Database,
    /** File databases: inserts run on this writer thread, off the request thread. */
    private readonly writer?: SqliteWriterThread,
  ) {}

  private get db(): Kysely<AuditDatabase> {
    return this.schema ? this.root.withSchema(this.schema) : this.root;
  }

  /** Opens (but does not migrate) the store named by a DATABASE_URL. */
  static open(url: string, options: KyselyAuditStoreOptions = {}): KyselyAuditStore {
    const target = parseDatabaseUrl(url, options.cwd);
    if (target.kind === 'sqlite') {
      if (target.file !== ':memory:') {
        mkdirSync(dirname(target.file), { recursive: true });
      }
      const database = new Database(target.file);
      if (target.file !== ':memory:') {
        database.pragma('journal_mode = WAL');
        database.pragma('synchronous = NORMAL');
        // An append-only log with six indexes: checkpointing every ~40 MB of WAL instead of SQLite's
        // default ~4 MB writes each hot index page back far less often (about 25% less time per row).
        database.pragma('wal_autocheckpoint = 10000');
      }
      database.pragma('busy_timeout = 5000');
      const db = new Kysely<AuditDatabase>({ dialect: new SqliteDialect({ database }) });
      const writer =
        target.file === ':memory:' ? undefined : new SqliteWriterThread(target.file, SQLITE_INSERT_SQL);
      return new KyselyAuditStore(db, 'sqlite', `sqlite:${target.file}`, undefined, database, writer);
    }
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A connection can die while it sits idle in the pool or while checked out between queries;
    // without a listener either would be an uncaught exception. The failing query reports it.
    const onError = (error: Error) => options.onIdleError?.(error);
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = new Kysely<AuditDatabase>({ dialect: new PostgresDialect({ pool }) });
    return new KyselyAuditStore(db, 'postgres', redactDatabaseUrl(target.connectionString), options.schema);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: new AuditMigrationProvider(this.dialect),
      migrationTableName: 'audit_migrations',
      migrationLockTableName: 'audit_migrations_lock',
      ...(this.schema ? { migrationTableSchema: this.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      throw error instanceof Error ? error : new Error('audit migration failed', { cause: error });
    }
  }

  async insert(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    if (this.writer) {
      // One transaction on the writer thread, rolled back as a whole on any error.
      await this.writer.insert(events.map((e) => this.toSqliteValues(e)));
      return;
    }
    if (this.sqlite) {
      // In-memory database (not shareable with a thread): synchronous, all rows in one transaction.
      const values = events.map((e) => this.toSqliteValues(e));
      (this.sqliteInsert ??= this.prepareSqliteInsert(this.sqlite))(values);
      return;
    }
    const rows = events.map((e) => this.toRow(e));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await trx
          .insertInto('audit_events')
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
      }
    });
  }

  async query(
    filter: AuditEventQueryFilter,
    limit: number,
    after?: AuditCursorPosition,
  ): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.principal !== undefined) {
      q = q.where('principal', '=', filter.principal);
    }
    if (filter.action !== undefined) {
      q = q.where('action', '=', filter.action);
    }
    if (filter.decision !== undefined) {
      q = q.where('decision', '=', filter.decision);
    }
    if (filter.bucket !== undefined) {
      q = q.where('bucket', '=', filter.bucket);
    }
    if (filter.kind !== undefined) {
      q = q.where('kind', '=', filter.kind);
    }
    if (filter.requestId !== undefined) {
      q = q.where('request_id', '=', filter.requestId);
    }
    if (filter.from !== undefined) {
      q = q.where('time', '>=', filter.from.toISOString());
    }
    if (filter.to !== undefined) {
      q = q.where('time', '<', filter.to.toISOString());
    }
    if (after !== undefined) {
      const t = after.time.toISOString();
      q = q.where((eb) => eb.or([eb('time', '<', t), eb.and([eb('time', '=', t), eb('id', '<', after.id)])]));
    }
    const rows = await q.orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => this.fromRow(r));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.root);
  }

  async probeWrite(): Promise<void> {
    const probe = probeEvent();
    if (this.writer) {
      // On the writer thread's own connection, where the batches are written.
      await this.writer.probe(this.toSqliteValues(probe));
      return;
    }
    if (this.sqlite) {
      const statement = this.sqlite.prepare<SqliteRowValues>(SQLITE_INSERT_SQL);
      const attempt = this.sqlite.transaction(() => {
        statement.run(...this.toSqliteValues(probe));
        throw ROLLBACK;
      });
      try {
        attempt();
      } catch (error) {
        if (error !== ROLLBACK) {
          throw error;
        }
      }
      return;
    }
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('audit_events').values(this.toRow(probe)).execute();
        throw ROLLBACK;
      });
    } catch (error) {
      if (error !== ROLLBACK) {
        throw error;
      }
    }
  }

  async close(): Promise<void> {
    try {
      await this.writer?.close();
    } finally {
      await this.root.destroy();
    }
  }

  /** Prepared once the table exists (the first insert runs after `migrate`). */
  private prepareSqliteInsert(database: Database.Database): (rows: readonly SqliteRowValues[]) => void {
    const statement = database.prepare<SqliteRowValues>(SQLITE_INSERT_SQL);
    return database.transaction((rows: readonly SqliteRowValues[]) => {
      for (const row of rows) {
        statement.run(...row);
      }
    });
  }

  /** The values of one SQLite row, in INSERT_COLUMNS order (same conversions as `toRow`). */
  private toSqliteValues(e: AuditEvent): SqliteRowValues {
    return [
      e.id,
      e.time.toISOString(),
      e.requestId,
      e.clientRequestId ?? null,
      e.transport,
      e.kind,
      e.principal ?? null,
      e.keyId ?? null,
      e.sourceIp ?? null,
      e.userAgent ?? null,
      e.action,
      e.resource,
      e.bucket ?? bucketFromResource(e.resource) ?? null,
      e.decision ?? null,
      e.matchedStatements ? JSON.stringify(e.matchedStatements) : null,
      e.operation ?? null,
      e.outcomeStatus ?? null,
      e.ossRequestId ?? null,
      e.ossErrorCode ?? null,
      e.latencyMs ?? null,
      e.dryRun ? 1 : 0,
      e.repeats ?? null,
    ];
  }

  private toRow(e: AuditEvent): Omit<Selectable<AuditEventsTable>, 'time'> & { time: string } {
    return {
      id: e.id,
      time: e.time.toISOString(),
      request_id: e.requestId,
      client_request_id: e.clientRequestId ?? null,
      transport: e.transport,
      kind: e.kind,
      principal: e.principal ?? null,
      key_id: e.keyId ?? null,
      source_ip: e.sourceIp ?? null,
      user_agent: e.userAgent ?? null,
      action: e.action,
      resource: e.resource,
      bucket: e.bucket ?? bucketFromResource(e.resource) ?? null,
      decision: e.decision ?? null,
      matched_statements: e.matchedStatements ? JSON.stringify(e.matchedStatements) : null,
      operation: e.operation ?? null,
      outcome_status: e.outcomeStatus ?? null,
      oss_request_id: e.ossRequestId ?? null,
      oss_error_code: e.ossErrorCode ?? null,
      latency_ms: e.latencyMs ?? null,
      dry_run: this.dialect === 'postgres' ? e.dryRun : e.dryRun ? 1 : 0,
      repeats: e.repeats ?? null,
    };
  }

  private fromRow(r: Selectable<AuditEventsTable>): AuditEvent {
    const event: AuditEvent = {
      id: r.id,
      time: r.time instanceof Date ? r.time : new Date(r.time),
      requestId: r.request_id,
      transport: r.transport as AuditEvent['transport'],
      kind: r.kind as AuditEvent['kind'],
      action: r.action,
      resource: r.resource,
      dryRun: Boolean(r.dry_run),
    };
    if (r.client_request_id !== null) {
      event.clientRequestId = r.client_request_id;
    }
    if (r.principal !== null) {
      event.principal = r.principal;
    }
    if (r.key_id !== null) {
      event.keyId = r.key_id;
    }
    if (r.source_ip !== null) {
      event.sourceIp = r.source_ip;
    }
    if (r.user_agent !== null) {
      event.userAgent = r.user_agent;
    }
    if (r.bucket !== null) {
      event.bucket = r.bucket;
    }
    if (r.decision !== null) {
      event.decision = r.decision as NonNullable<AuditEvent['decision']>;
    }
    if (r.matched_statements !== null) {
      event.matchedStatements = JSON.parse(r.matched_statements) as AuditMatchedStatement[];
    }
    if (r.operation !== null) {
      event.operation = r.operation;
    }
    if (r.outcome_status !== null) {
      event.outcomeStatus = Number(r.outcome_status);
    }
    if (r.oss_request_id !== null) {
      event.ossRequestId = r.oss_request_id;
    }
    if (r.oss_error_code !== null) {
      event.ossErrorCode = r.oss_error_code;
    }
    if (r.latency_ms !== null) {
      event.latencyMs = Number(r.latency_ms);
    }
    if (r.repeats !== null && r.repeats !== undefined) {
      event.repeats = Number(r.repeats);
    }
    return event;
  }
}
