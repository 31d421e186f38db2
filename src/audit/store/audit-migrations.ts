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
      '2025-04-01-0004-add-audit-events-repeats': addRepeats(),
    });
  }
}
