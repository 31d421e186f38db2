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
}

export interface AuditDatabase {
  audit_events: AuditEventsTable;
}

export type SqlDialectName = 'sqlite' | 'postgres';
