import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { SqlDialectName } from './audit-table.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against an untyped schema on purpose. */

function createAuditEvents(dialect: SqlDialectName): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('time', pg ? 'timestamptz' : 'text', (c) => c.notNull())
        .addColumn('request_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('transport', 'varchar(16)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('principal', 'text')
        .addColumn('key_id', 'text')
        .addColumn('source_ip', 'varchar(64)')
        .addColumn('user_agent', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('bucket', 'varchar(63)')
        .addColumn('decision', 'varchar(16)')
        .addColumn('matched_statements', 'text')
        .addColumn('operation', 'text')
        .addColumn('outcome_status', 'integer')
        .addColumn('oss_request_id', 'text')
        .addColumn('oss_error_code', 'text')
        .addColumn('latency_ms', pg ? 'double precision' : 'real')
        .addColumn('dry_run', pg ? 'boolean' : 'integer', (c) =>
          c.notNull().defaultTo(pg ? sql`false` : sql`0`),
        )
        .execute();
      // Newest-first pagination walks (time, id); each filter index ends in the same key so a
      // filtered page is an index range scan too.
      await db.schema
        .createIndex('audit_events_time_id_idx')
        .on('audit_events')
        .columns(['time', 'id'])
        .execute();
      for (const column of ['principal', 'action', 'bucket', 'decision'] as const) {
        await db.schema
          .createIndex(`audit_events_${column}_time_idx`)
          .on('audit_events')
          .columns([column, 'time', 'id'])
          .execute();
      }
      await db.schema
        .createIndex('audit_events_request_id_idx')
        .on('audit_events')
        .column('request_id')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('audit_events').execute();
    },
  };
}

/**
 * Drops the index on `decision`: three values (allow, deny, none) select too little to help a query,
 * while every insert paid for maintaining it. A decision filter still walks `(time, id)` newest-first.
 */
function dropDecisionIndex(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_events_decision_time_idx').ifExists().execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('audit_events_decision_time_idx')
        .on('audit_events')
        .columns(['decision', 'time', 'id'])
        .execute();
    },
  };
}

/**
 * The caller's own `X-Request-Id` when the gateway minted the request's id instead (DESIGN §9). At
 * most 128 characters (the edge truncates); nullable, so older events need no rewrite.
 */
function addClientRequestId(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('audit_events').addColumn('client_request_id', 'varchar(128)').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('audit_events').dropColumn('client_request_id').execute();
    },
  };
}

/**
 * The hash chain (DESIGN §10): each event's instance, its sequence number in that instance's chain,
 * the previous event's hash and its own (sha-256, stored as 32 bytes). Nullable, so events from before it need no rewrite (they
 * are reported as unchained). `(instance_id, seq)` is unique: it is the chain's order, the head
 * lookup at start-up and the verifier's walk. Checkpoints record what retention pruned.
 */
function addHashChain(dialect: SqlDialectName): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('audit_events').addColumn('instance_id', 'varchar(128)').execute();
      await db.schema
        .alterTable('audit_events')
        .addColumn('seq', pg ? 'bigint' : 'integer')
        .execute();
      // 32 raw bytes each (the API shows them as hex): half the size of the hex text, on every row.
      const bytes = pg ? 'bytea' : 'blob';
      await db.schema.alterTable('audit_events').addColumn('previous_hash', bytes).execute();
      await db.schema.alterTable('audit_events').addColumn('hash', bytes).execute();
      await db.schema
        .createIndex('audit_events_instance_seq_idx')
        .on('audit_events')
        .columns(['instance_id', 'seq'])
        .unique()
        .execute();
      await db.schema
        .createTable('audit_chain_checkpoints')
        .addColumn('instance_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .addColumn('hash', 'char(64)', (c) => c.notNull())
        .addColumn('pruned_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_chain_checkpoints_pk', ['instance_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('audit_chain_checkpoints').execute();
      await db.schema.dropIndex('audit_events_instance_seq_idx').execute();
      for (const column of ['hash', 'previous_hash', 'seq', 'instance_id']) {
        await db.schema.alterTable('audit_events').dropColumn(column).execute();
      }
    },
  };
}

/**
 * Combined filters: with one index per column, `principal = ? and bucket = ? and action = ?` walks
 * every event of the principal newest-first to find the few that also match the bucket and action
 * (158 ms at 1M events on SQLite). An index on (principal, bucket) in page order makes principal +
 * bucket a seek, and principal + bucket + action a short walk (an action matches about one event in
 * six). Other pairs have a single column as selective as the pair is useful (the store lets it lead).
 */
function addCombinedFilterIndex(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('audit_events_principal_bucket_time_idx')
        .on('audit_events')
        .columns(['principal', 'bucket', 'time', 'id'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_events_principal_bucket_time_idx').execute();
    },
  };
}

/**
 * How many identical decisions of one request an event stands for (GraphQL aliases of one field):
 * one event counts them instead of one row each. Nullable: null (older rows too) means one.
 */
function addRepeats(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('audit_events').addColumn('repeats', 'integer').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('audit_events').dropColumn('repeats').execute();
    },
  };
}

/** The audit store's migrations, in code (no files to ship); names sort in the order they apply. */
export class AuditMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialectName) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({
      '2025-01-01-0001-create-audit-events': createAuditEvents(this.dialect),
      '2025-02-01-0002-drop-audit-events-decision-index': dropDecisionIndex(),
      '2025-03-01-0003-add-audit-events-client-request-id': addClientRequestId(),
      '2025-04-01-0004-add-audit-events-hash-chain': addHashChain(this.dialect),
      '2025-04-01-0005-add-audit-events-combined-filter-index': addCombinedFilterIndex(),
      '2025-04-01-0006-add-audit-events-repeats': addRepeats(),
    });
  }
}
