import type { ColumnType } from 'kysely';

/** Times: PostgreSQL timestamptz (read as Date); SQLite ISO-8601 text in UTC, fixed width. */
type Instant = ColumnType<Date | string, string, never>;

/** The `progress_samples` row as stored (snake_case). */
export interface ProgressSamplesTable {
  account: string;
  bucket: string;
  rule_id: string;
  time: Instant;
  /** starting | doing | closing | gone; null for a failed read. */
  status: string | null;
  historical_progress: number | null;
  new_objects_until: ColumnType<Date | string | null, string | null, never>;
  rtc_status: string | null;
  error: string | null;
}

export interface FleetDatabase {
  progress_samples: ProgressSamplesTable;
}
