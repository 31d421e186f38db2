import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { SqlDialectName } from '../../audit/store/audit-table.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against an untyped schema on purpose. */

function createProgressSamples(dialect: SqlDialectName): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('progress_samples')
        .addColumn('account', 'varchar(64)', (c) => c.notNull())
        .addColumn('bucket', 'varchar(63)', (c) => c.notNull())
        .addColumn('rule_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('time', pg ? 'timestamptz' : 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)')
        .addColumn('historical_progress', pg ? 'double precision' : 'real')
        .addColumn('new_objects_until', pg ? 'timestamptz' : 'text')
        .addColumn('rtc_status', 'varchar(16)')
        .addColumn('error', 'text')
        // One sample per rule and instant: a retried append cannot store it twice. The key is also
        // the index of every read (a rule's history, its newest samples, keyset pages).
        .addPrimaryKeyConstraint('progress_samples_pk', ['account', 'bucket', 'rule_id', 'time'])
        .execute();
      // Retention deletes by age across all rules.
      await db.schema
        .createIndex('progress_samples_time_idx')
        .on('progress_samples')
        .column('time')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('progress_samples').execute();
    },
  };
}

/**
 * The fleet's migrations, in code, applied with their own bookkeeping tables (`fleet_migrations`,
 * `fleet_migrations_lock`) beside the audit trail's in the same database.
 */
export class FleetMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialectName) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({
      '2026-03-01-0001-create-progress-samples': createProgressSamples(this.dialect),
    });
  }
}
