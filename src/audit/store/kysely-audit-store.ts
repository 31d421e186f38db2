import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type Expression,
  type ExpressionBuilder,
  Kysely,
  Migrator,
  PostgresDialect,
  type Selectable,
  type SqlBool,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import {
  type AuditEvent,
  type AuditEventQueryFilter,
  type AuditMatchedStatement,
  bucketFromResource,
} from '../audit-event.js';
import type { AuditCursorPosition } from '../audit-cursor.js';
import {
  type AuditChainCheckpoint,
  type AuditChainHead,
  type AuditChainLink,
  type AuditChainPosition,
  type AuditChainSource,
  type ChainedAuditEvent,
  GENESIS_HASH,
  linkAuditEvent,
} from '../audit-chain.js';
import { AuditMigrationProvider } from './audit-migrations.js';
import type { AuditStore } from './audit-store.js';
import type {
  AuditChainCheckpointsTable,
  AuditDatabase,
  AuditEventsTable,
  SqlDialectName,
} from './audit-table.js';
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
  /** The chain this store appends to (`GATEWAY_INSTANCE_ID`; default `default`). */
  instanceId?: string;
  /** Only read (the verify script): SQLite opens the file read-only and never creates it. */
  readOnly?: boolean;
}

/** What one prune removed, and the checkpoints it recorded (one per chain it shortened). */
export interface AuditPruneResult {
  deleted: number;
  checkpoints: AuditChainCheckpoint[];
}

/** Rows per DELETE while pruning: short transactions, so writers are not held up. */
const PRUNE_CHUNK = 5_000;

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
  'instance_id',
  'seq',
  'previous_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditEventsTable>;

/** Stored as 32 raw bytes, handed over as hex (rows cross to the writer thread as JSON). */
const HASH_COLUMNS: ReadonlySet<string> = new Set(['previous_hash', 'hash']);

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
const SQLITE_INSERT_SQL = `insert into "audit_events" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${INSERT_COLUMNS.map((c) => (HASH_COLUMNS.has(c) ? 'unhex(?)' : '?')).join(', ')})`;

/**
 * The audit store on Kysely: SQLite (better-sqlite3, WAL) or PostgreSQL (pg Pool). Kysely builds the
 * schema, the queries and PostgreSQL's inserts; SQLite's inserts (the hot path: two events per
 * forwarded request) reuse one prepared single-row INSERT inside one better-sqlite3 transaction per
 * batch instead of compiling and preparing a fresh multi-row statement for every flush.
 *
 * Every insert appends its events to this instance's hash chain (src/audit/audit-chain.ts): inserts
 * run one after another, each links its events after the chain's head and writes them in one
 * transaction, so events are stored in the order they were chained. The head (last seq and hash) is
 * read from the database at `migrate` and again after a failed write, so a restart — or a write whose
 * outcome is unknown — continues the chain from what is really stored.
 */
export class KyselyAuditStore implements AuditStore, AuditChainSource {
  private sqliteInsert: ((rows: readonly SqliteRowValues[]) => void) | undefined;
  /** The chain's last written event; undefined = read it from the database before the next write. */
  private head: AuditChainHead | undefined;
  /** The tail of the serialized writes (inserts and head loads). */
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly root: Kysely<AuditDatabase>,
    private readonly dialect: SqlDialectName,
    readonly description: string,
    private readonly schema: string | undefined,
    private readonly sqlite?: Database.Database,
    /** File databases: inserts run on this writer thread, off the request thread. */
    private readonly writer?: SqliteWriterThread,
    readonly instanceId: string = 'default',
  ) {}

  private get db(): Kysely<AuditDatabase> {
    return this.schema ? this.root.withSchema(this.schema) : this.root;
  }

  /** Opens (but does not migrate) the store named by a DATABASE_URL. */
  static open(url: string, options: KyselyAuditStoreOptions = {}): KyselyAuditStore {
    const target = parseDatabaseUrl(url, options.cwd);
    if (target.kind === 'sqlite') {
      const instanceId = options.instanceId ?? 'default';
      if (options.readOnly) {
        const database = new Database(target.file, { readonly: true, fileMustExist: true });
        database.pragma('busy_timeout = 5000');
        const db = new Kysely<AuditDatabase>({ dialect: new SqliteDialect({ database }) });
        const description = `sqlite:${target.file}`;
        return new KyselyAuditStore(db, 'sqlite', description, undefined, database, undefined, instanceId);
      }
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
      return new KyselyAuditStore(
        db,
        'sqlite',
        `sqlite:${target.file}`,
        undefined,
        database,
        writer,
        instanceId,
      );
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
    return new KyselyAuditStore(
      db,
      'postgres',
      redactDatabaseUrl(target.connectionString),
      options.schema,
      undefined,
      undefined,
      options.instanceId ?? 'default',
    );
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
    // The chain continues from what is stored (a restart of this instance).
    await this.serialized(async () => {
      this.head = await this.loadHead();
    });
  }

  /** Appends the events to this instance's chain, in the order given, in one transaction. */
  insert(events: readonly AuditEvent[]): Promise<void> {
    return this.serialized(() => this.insertChained(events));
  }

  /**
   * The last event this store wrote to its chain (after the writes already handed over), or
   * undefined before the head is known: what the verifier checks the stored chain still reaches.
   */
  async writtenHead(): Promise<(AuditChainHead & { instanceId: string }) | undefined> {
    await this.writes;
    return this.head && this.head.seq > 0 ? { instanceId: this.instanceId, ...this.head } : undefined;
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const run = this.writes.then(work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async insertChained(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    let head = this.head ?? (await this.loadHead());
    const chained = events.map((event) => {
      // Hashed as it is stored: with the bucket the store derives from the resource.
      const bucket = event.bucket ?? bucketFromResource(event.resource);
      const stored = bucket === event.bucket ? event : { ...event, bucket };
      const chain = linkAuditEvent(stored, this.instanceId, head);
      head = { seq: chain.seq, hash: chain.hash };
      return { event: stored, chain };
    });
    try {
      await this.write(chained);
      this.head = head;
    } catch (error) {
      // The outcome is unknown (a commit may have happened): read the head again before the next write.
      this.head = undefined;
      throw error;
    }
  }

  private async loadHead(): Promise<AuditChainHead> {
    const last = await this.db
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('instance_id', '=', this.instanceId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const checkpoint = await this.db
      .selectFrom('audit_chain_checkpoints')
      .select(['seq', 'hash'])
      .where('instance_id', '=', this.instanceId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const candidates: AuditChainHead[] = [];
    if (last && last.seq !== null && last.hash !== null) {
      candidates.push({ seq: Number(last.seq), hash: hex(last.hash) });
    }
    if (checkpoint) {
      candidates.push({ seq: Number(checkpoint.seq), hash: checkpoint.hash });
    }
    return candidates.reduce<AuditChainHead>((best, c) => (c.seq > best.seq ? c : best), {
      seq: 0,
      hash: GENESIS_HASH,
    });
  }

  private async write(chained: ReadonlyArray<{ event: AuditEvent; chain: AuditChainLink }>): Promise<void> {
    if (this.writer) {
      // One transaction on the writer thread, rolled back as a whole on any error.
      await this.writer.insert(chained.map((c) => this.toSqliteValues(c.event, c.chain)));
      return;
    }
    if (this.sqlite) {
      // In-memory database (not shareable with a thread): synchronous, all rows in one transaction.
      const values = chained.map((c) => this.toSqliteValues(c.event, c.chain));
      (this.sqliteInsert ??= this.prepareSqliteInsert(this.sqlite))(values);
      return;
    }
    const rows = chained.map((c) => this.toRow(c.event, c.chain));
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
    const column = this.filterColumns(filter);
    if (filter.principal !== undefined) {
      q = q.where(column('principal'), '=', filter.principal);
    }
    if (filter.action !== undefined) {
      q = q.where(column('action'), '=', filter.action);
    }
    if (filter.decision !== undefined) {
      q = q.where('decision', '=', filter.decision);
    }
    if (filter.bucket !== undefined) {
      q = q.where(column('bucket'), '=', filter.bucket);
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
      // The row-value form seeks in the (time, id) indexes; `time < t or (time = t and id < …)` scans.
      q = q.where((eb) => eb(eb.refTuple('time', 'id'), '<', eb.tuple(t, after.id)));
    }
    const rows = await q.orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => this.fromRow(r));
  }

  /**
   * SQLite picks an index without statistics, and for `bucket = ? and action = ?` it may walk the
   * action index (a sixth of all events) instead of the bucket's (1 in 200): 200 ms at 1M events. The
   * columns whose index should not lead are written `+column` (SQLite's documented way to take a term
   * out of index selection; it still filters): the request id, then principal + bucket (their
   * combined index), then the bucket, then the principal, then the action lead. PostgreSQL plans from
   * its statistics.
   */
  private filterColumns(
    filter: AuditEventQueryFilter,
  ): (
    name: 'principal' | 'action' | 'bucket',
  ) => Expression<string | null> | 'principal' | 'action' | 'bucket' {
    if (this.dialect !== 'sqlite') {
      return (name) => name;
    }
    const led = new Set<string>();
    if (filter.requestId !== undefined) {
      // request_id leads; the rest only filter.
    } else if (filter.principal !== undefined && filter.bucket !== undefined) {
      led.add('principal').add('bucket');
    } else if (filter.bucket !== undefined) {
      led.add('bucket');
    } else if (filter.principal !== undefined) {
      led.add('principal');
    } else {
      led.add('action');
    }
    return (name) => (led.has(name) ? name : sql<string | null>`+${sql.ref(name)}`);
  }

  async chainCheckpoints(): Promise<AuditChainCheckpoint[]> {
    const rows = await this.db.selectFrom('audit_chain_checkpoints').selectAll().execute();
    return rows.map((r) => fromCheckpointRow(r));
  }

  async chainedEvents(limit: number, after?: AuditChainPosition): Promise<ChainedAuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll().where('instance_id', 'is not', null);
    if (after !== undefined) {
      q = q.where((eb) => eb(eb.refTuple('instance_id', 'seq'), '>', eb.tuple(after.instanceId, after.seq)));
    }
    const rows = await q.orderBy('instance_id').orderBy('seq').limit(limit).execute();
    return rows.map((r) => this.fromRow(r) as ChainedAuditEvent);
  }

  async unchainedEventCount(): Promise<number> {
    const row = await this.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('instance_id', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Retention: removes the events older than `before`. Each chain is cut after its last event older
   * than `before` (so it loses a prefix, never a middle), and that event's seq and hash are recorded
   * first as the chain's checkpoint, which verification starts from. Deletes in short chunks.
   */
  async prune(before: Date, now: Date = new Date()): Promise<AuditPruneResult> {
    const cutoff = before.toISOString();
    const tips = await this.db
      .selectFrom('audit_events')
      .select((eb) => ['instance_id', eb.fn.max('seq').as('seq')])
      .where('time', '<', cutoff)
      .where('instance_id', 'is not', null)
      .groupBy('instance_id')
      .execute();
    const checkpoints: AuditChainCheckpoint[] = [];
    let deleted = 0;
    for (const tip of tips) {
      const instanceId = tip.instance_id!;
      const seq = Number(tip.seq);
      const last = await this.db
        .selectFrom('audit_events')
        .select('hash')
        .where('instance_id', '=', instanceId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!last?.hash) {
        continue;
      }
      const checkpoint = { instanceId, seq, hash: hex(last.hash), prunedAt: now };
      await this.db
        .insertInto('audit_chain_checkpoints')
        .values({ instance_id: instanceId, seq, hash: checkpoint.hash, pruned_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['instance_id', 'seq']).doNothing())
        .execute();
      checkpoints.push(checkpoint);
      deleted += await this.deleteInChunks((eb) =>
        eb.and([eb('instance_id', '=', instanceId), eb('seq', '<=', seq)]),
      );
    }
    // Events from before the chain existed have no chain to keep: older than `before` they just go.
    deleted += await this.deleteInChunks((eb) =>
      eb.and([eb('instance_id', 'is', null), eb('time', '<', cutoff)]),
    );
    return { deleted, checkpoints };
  }

  private async deleteInChunks(
    where: (eb: ExpressionBuilder<AuditDatabase, 'audit_events'>) => Expression<SqlBool>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const chunk = this.db.selectFrom('audit_events').select('id').where(where).limit(PRUNE_CHUNK);
      const result = await this.db.deleteFrom('audit_events').where('id', 'in', chunk).executeTakeFirst();
      const n = Number(result.numDeletedRows);
      total += n;
      if (n < PRUNE_CHUNK) {
        return total;
      }
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.root);
  }

  async probeWrite(): Promise<void> {
    const probe = probeEvent();
    // A chain of its own (rolled back with the row), so the probe never meets a real link.
    const link: AuditChainLink = {
      instanceId: `probe:${randomUUID()}`,
      seq: 0,
      previousHash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
    if (this.writer) {
      // On the writer thread's own connection, where the batches are written.
      await this.writer.probe(this.toSqliteValues(probe, link));
      return;
    }
    if (this.sqlite) {
      const statement = this.sqlite.prepare<SqliteRowValues>(SQLITE_INSERT_SQL);
      const attempt = this.sqlite.transaction(() => {
        statement.run(...this.toSqliteValues(probe, link));
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
        await trx.insertInto('audit_events').values(this.toRow(probe, link)).execute();
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
  private toSqliteValues(e: AuditEvent, chain: AuditChainLink): SqliteRowValues {
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
      chain.instanceId,
      chain.seq,
      chain.previousHash,
      chain.hash,
    ];
  }

  private toRow(
    e: AuditEvent,
    chain: AuditChainLink,
  ): Omit<Selectable<AuditEventsTable>, 'time' | 'seq'> & { time: string; seq: number } {
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
      instance_id: chain.instanceId,
      seq: chain.seq,
      previous_hash: Buffer.from(chain.previousHash, 'hex'),
      hash: Buffer.from(chain.hash, 'hex'),
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
    if (r.instance_id !== null && r.seq !== null && r.hash !== null && r.previous_hash !== null) {
      event.chain = {
        instanceId: r.instance_id,
        seq: Number(r.seq),
        previousHash: hex(r.previous_hash),
        hash: hex(r.hash),
      };
    }
    return event;
  }
}

/** A stored hash (32 bytes) as the 64 lowercase hex digits the chain works with. */
function hex(bytes: Buffer | Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function fromCheckpointRow(r: Selectable<AuditChainCheckpointsTable>): AuditChainCheckpoint {
  return {
    instanceId: r.instance_id,
    seq: Number(r.seq),
    hash: r.hash,
    prunedAt: r.pruned_at instanceof Date ? r.pruned_at : new Date(r.pruned_at),
  };
}
