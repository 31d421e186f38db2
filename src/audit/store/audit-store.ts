import type { AuditEvent, AuditEventQueryFilter } from '../audit-event.js';
import type { AuditCursorPosition } from '../audit-cursor.js';

/** Where audit events live. The service batches into it; tests swap in faulty wrappers. */
export interface AuditStore {
  /** Human-readable target for logs (never contains a password). */
  readonly description: string;
  /** Creates or upgrades the schema; safe to call again and from several instances at once. */
  migrate(): Promise<void>;
  /** Appends events atomically (all or none), after those of earlier calls: the store chains them in this order. */
  insert(events: readonly AuditEvent[]): Promise<void>;
  /** Newest first ((time, id) descending), strictly after `after` when given, at most `limit` rows. */
  query(filter: AuditEventQueryFilter, limit: number, after?: AuditCursorPosition): Promise<AuditEvent[]>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Resolves when an event could be appended now: inserts a probe row the way `insert` does, then
   * rolls it back (nothing is kept). A store that answers `ping` but refuses inserts rejects here.
   */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}

export const AUDIT_STORE = Symbol('AUDIT_STORE');
