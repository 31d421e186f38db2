import type { ColumnType } from 'kysely';

/** The `audit_events` row as stored (snake_case; JSON as text; dialect-specific time and boolean). */
export interface AuditEventsTable {
  id: string;
  /** PostgreSQL: timestamptz (read as Date). SQLite: ISO-8601 text in UTC, fixed width. */
  time: ColumnType<Date | string, string, never>;
  request_id: string;
  /** Added by migration 0003; null for events from before it and when the caller sent none. */
  client_request_id: string | null;
  transport: string;
  kind: string;
  principal: string | null;
  key_id: string | null;
  source_ip: string | null;
  user_agent: string | null;
  action: string;
  resource: string;
  bucket: string | null;
  decision: string | null;
  /** JSON array of matched statements, or null. */
  matched_statements: string | null;
  operation: string | null;
  outcome_status: number | null;
  oss_request_id: string | null;
  oss_error_code: string | null;
  latency_ms: number | null;
  /** PostgreSQL: boolean. SQLite: 0/1. */
  dry_run: ColumnType<boolean | number, boolean | number, never>;
  /** Added by migration 0004: identical decisions of one request this row stands for; null means one. */
  repeats: number | null;
  /** The hash chain (migration 0004); null for events written before it. */
  instance_id: string | null;
  /** PostgreSQL bigint (read as a string), SQLite integer. */
  seq: ColumnType<string | number | null, number | null, never>;
  /** sha-256, 32 bytes (SQLite blob, PostgreSQL bytea). */
  previous_hash: Buffer | null;
  hash: Buffer | null;
}

/** What retention pruned from a chain: its last pruned event. */
export interface AuditChainCheckpointsTable {
  instance_id: string;
  seq: ColumnType<string | number, number, never>;
  hash: string;
  pruned_at: ColumnType<Date | string, string, never>;
}

export interface AuditDatabase {
  audit_events: AuditEventsTable;
  audit_chain_checkpoints: AuditChainCheckpointsTable;
}

export type SqlDialectName = 'sqlite' | 'postgres';
