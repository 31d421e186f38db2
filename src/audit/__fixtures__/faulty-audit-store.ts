import type { AuditEvent, AuditEventQueryFilter } from '../audit-event.js';
import type { AuditCursorPosition } from '../audit-cursor.js';
import type { AuditStore } from '../store/audit-store.js';

/**
 * Wraps a real store; while `down` every call fails as an unreachable database would, while
 * `refuseWrites` inserts (and write probes) fail but pings and reads answer (a read-only or
 * trigger-guarded database), and while `hold` is set inserts wait for it (a slow write).
 */
export class FaultyAuditStore implements AuditStore {
  down = false;
  refuseWrites = false;
  probes = 0;
  hold: Promise<void> | undefined;
  inserts: number[] = [];
  attempts = 0;

  constructor(private readonly inner: AuditStore) {}

  get description(): string {
    return `faulty(${this.inner.description})`;
  }

  private fail(): never {
    const error = new Error('connect ECONNREFUSED 127.0.0.1:5432') as Error & { code: string };
    error.code = 'ECONNREFUSED';
    throw error;
  }

  async migrate(): Promise<void> {
    if (this.down) {
      this.fail();
    }
    await this.inner.migrate();
  }

  private refuse(): never {
    throw new Error('permission denied for table audit_events');
  }

  async insert(events: readonly AuditEvent[]): Promise<void> {
    this.attempts += 1;
    if (this.down) {
      this.fail();
    }
    if (this.refuseWrites) {
      this.refuse();
    }
    if (this.hold) {
      await this.hold;
    }
    await this.inner.insert(events);
    this.inserts.push(events.length);
  }

  async query(
    filter: AuditEventQueryFilter,
    limit: number,
    after?: AuditCursorPosition,
  ): Promise<AuditEvent[]> {
    if (this.down) {
      this.fail();
    }
    return this.inner.query(filter, limit, after);
  }

  async ping(): Promise<void> {
    if (this.down) {
      this.fail();
    }
    await this.inner.ping();
  }

  async probeWrite(): Promise<void> {
    this.probes += 1;
    if (this.down) {
      this.fail();
    }
    if (this.refuseWrites) {
      this.refuse();
    }
    await this.inner.probeWrite();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
