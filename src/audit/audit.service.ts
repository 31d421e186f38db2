import {
  type BeforeApplicationShutdown,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { HealthRegistry, HealthReport } from '../health/health-indicator.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import { AuditEventIdGenerator } from './audit-event-id.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditEventPageResult,
  type AuditEventQueryFilter,
  bucketFromResource,
} from './audit-event.js';
import type { AuditStore } from './store/audit-store.js';

export interface AuditServiceSettings {
  /** Longest time an event waits in memory before a write is attempted. */
  flushIntervalMs: number;
  /** A write starts as soon as this many events are queued; also the rows per write. */
  batchSize: number;
  /**
   * Events in memory beyond which new requests are refused (503 `AuditBackpressure`) until the queue
   * drains. Events are never dropped: what admitted requests record is queued beyond it.
   */
  maxQueue?: number;
  /** Upper bound of the retry backoff while the store is down. */
  retryMaxDelayMs?: number;
  /** Attempts of the final flush on shutdown before the remaining events are reported lost. */
  shutdownAttempts?: number;
  /** Clock for event ids (tests). */
  now?: () => number;
  /** Jitter source in [0, 1) for the backoff (tests). */
  random?: () => number;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;
const DEFAULT_MAX_QUEUE = 100_000;
const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;

/**
 * The audit trail. `record` never blocks the request: events are queued in memory and written in
 * batches (every `flushIntervalMs`, or as soon as `batchSize` are waiting). `committed(seq)` is the
 * durable path of mutations: it starts a write at once and resolves when the event — and everything
 * queued before it, in order — is committed (concurrent callers share one transaction: group commit).
 *
 * Nothing is ever dropped. Past `maxQueue` events, `backlogged` is true and the request pipeline
 * refuses new requests (503) until the queue drains. While the store fails, events stay queued, writes
 * are retried with backoff, `available` is false (mutations are refused) and the outage is logged once
 * when it starts and once when it ends; only a successful write (a batch, or a probe insert that is
 * rolled back) ends it — an answered ping does not.
 */
export class AuditService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly ids: AuditEventIdGenerator;
  private readonly maxQueue: number;
  private readonly retryMaxDelayMs: number;
  private readonly random: () => number;
  /** Oldest first; `queue[i]` has the sequence number `written + 1 + i`. */
  private queue: AuditEvent[] = [];
  /** Events committed so far (so the sequence number of the last one committed). */
  private written = 0;
  /** Sequence number of the last event handed to the store by the write in progress (≥ `written`). */
  private taken = 0;
  /** Callers of `committed`, in sequence order. */
  private waiters: CommitWaiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private probing: Promise<void> | undefined;
  private migrated = false;
  private down = false;
  private failures = 0;
  private lastError: unknown;
  private backlogLogged = false;
  private stopped = false;
  private closed = false;
  private readonly written$?: Counter;
  private readonly dropped?: Counter;

  constructor(
    private readonly store: AuditStore,
    private readonly settings: AuditServiceSettings,
    private readonly metrics?: MetricsService,
    private readonly health?: HealthRegistry,
  ) {
    this.ids = new AuditEventIdGenerator(settings.now);
    this.maxQueue = settings.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.retryMaxDelayMs = settings.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
    this.random = settings.random ?? Math.random;
    if (metrics) {
      this.written$ = new Counter({
        name: 'gateway_audit_events_written_total',
        help: 'Audit events written to the audit store.',
        registers: [metrics.registry],
      });
      this.dropped = new Counter({
        name: 'gateway_audit_events_dropped_total',
        help: 'Audit events lost: only ever events still queued when the process stops with the store down (never under load).',
        registers: [metrics.registry],
      });
      const queue = (): number => this.queue.length;
      new Gauge({
        name: 'gateway_audit_queue_depth',
        help: 'Audit events waiting in memory to be written.',
        registers: [metrics.registry],
        // Read when scraped, not maintained per event.
        collect() {
          this.set(queue());
        },
      });
    }
  }

  /** False while the store is failing (writes failing or unreachable); true again after a successful write or probe. */
  get available(): boolean {
    return !this.down;
  }

  /** Events recorded but not yet written. */
  get pending(): number {
    return this.queue.length;
  }

  /** True while more than `maxQueue` events wait: new requests are refused until the queue drains. */
  get backlogged(): boolean {
    return this.queue.length >= this.maxQueue;
  }

  /** When a refused caller should come back: the next retry while the store is down, else 1 s. */
  get retryAfterSeconds(): number {
    if (!this.down) {
      return 1;
    }
    const backoff = this.settings.flushIntervalMs * 2 ** Math.min(Math.max(this.failures - 1, 0), 20);
    return Math.max(1, Math.ceil(Math.min(backoff, this.retryMaxDelayMs) / 1000));
  }

  /** Throws `AuditUnavailable` (503) while the store is down: for mutations that must fail closed. */
  requireAvailable(): void {
    if (this.down) {
      throw new DomainError(
        ErrorCode.AuditUnavailable,
        'The audit trail cannot be written right now, so changes are refused; try again shortly.',
      );
    }
  }

  async onModuleInit(): Promise<void> {
    this.health?.register({ name: 'audit', check: () => this.check() });
    try {
      await this.ensureMigrated();
      // Up only once a write has succeeded: a store that answers but refuses inserts starts down.
      await this.store.probeWrite();
      this.markUp();
    } catch (error) {
      this.markDown(error);
      this.scheduleNext();
    }
  }

  /**
   * Enqueues one event and returns its sequence number (for `repeat` and `committed`); returns at
   * once (the write happens later, off the request path). Never drops an event.
   */
  record(input: AuditEventInput): number {
    const event = storedEvent(input, this.ids.next(), bucketFromResource(input.resource));
    this.queue.push(event);
    const seq = this.written + this.queue.length;
    if (this.closed) {
      this.logger.warn(
        `audit event recorded after shutdown will not be written (request ${input.requestId})`,
      );
      return seq;
    }
    if (this.queue.length >= this.maxQueue && !this.backlogLogged) {
      this.backlogLogged = true;
      this.logger.warn(
        `audit queue full (${this.queue.length} events, AUDIT_MAX_QUEUE=${this.maxQueue}) while writing to ` +
          `${this.store.description}: new requests are refused (503 AUDIT_BACKPRESSURE) until it drains`,
      );
    }
    if (this.draining) {
      // The running drain picks this event up, or schedules the next write when it ends.
      return seq;
    }
    if (
      this.queue.length >= Math.min(this.settings.batchSize, this.maxQueue) &&
      !this.down &&
      !this.stopped
    ) {
      this.kick();
    } else {
      this.schedule(this.settings.flushIntervalMs);
    }
    return seq;
  }

  /**
   * Counts one more occurrence of the event `seq` (a repeated decision of the same request) in its
   * `repeats`, if it has not been handed to the store yet. False when it has: record a new event then.
   */
  repeat(seq: number): boolean {
    if (seq <= this.taken) {
      return false;
    }
    const event = this.queue[seq - this.written - 1];
    if (event === undefined) {
      return false;
    }
    event.repeats = (event.repeats ?? 1) + 1;
    return true;
  }

  /**
   * Resolves once the event `seq` (a number `record` returned) and every event before it are committed;
   * starts the write at once. Rejects with `AuditUnavailable` when the write fails, or at once while the
   * store is down (the events stay queued and are written when it recovers).
   */
  committed(seq: number): Promise<void> {
    if (seq <= this.written) {
      return Promise.resolve();
    }
    if (this.closed || this.stopped) {
      return Promise.reject(this.unavailable(new Error('the audit trail is shutting down')));
    }
    if (this.down) {
      return Promise.reject(this.unavailable(this.lastError));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      if (!this.draining) {
        this.kick();
      }
      // Else the running drain goes on while a waiter waits (group commit: one transaction for all).
    });
  }

  /** `record` + `committed`: the durable path (mutations, dry runs, the OSS writes they make). */
  recordDurably(input: AuditEventInput): Promise<void> {
    return this.committed(this.record(input));
  }

  /**
   * Writes every queued event now. Rejects with `AuditUnavailable` when the store fails (the events
   * stay queued and are retried in the background).
   */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.draining) {
      await this.draining.catch(() => undefined);
    }
    await this.startDrain(true);
  }

  /** Newest first; `after` is a `nextCursor` from a previous page. */
  async query(
    filter: AuditEventQueryFilter,
    first = AUDIT_PAGE_DEFAULT,
    after?: string,
  ): Promise<AuditEventPageResult> {
    if (!Number.isInteger(first) || first < 1 || first > AUDIT_PAGE_MAX) {
      throw DomainError.validation([
        { field: 'first', message: `first must be an integer from 1 to ${AUDIT_PAGE_MAX}` },
      ]);
    }
    const position = after !== undefined ? decodeAuditCursor(after) : undefined;
    if (this.queue.length > 0 && !this.down) {
      // Read your writes: what this instance has recorded is visible to its readers at once.
      await this.flush().catch(() => undefined);
    }
    let rows: AuditEvent[];
    try {
      rows = await this.store.query(filter, first + 1, position);
    } catch (error) {
      this.markDown(error);
      this.scheduleNext();
      throw this.unavailable(error);
    }
    const items = rows.slice(0, first);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > first && last ? encodeAuditCursor({ time: last.time, id: last.id }) : null,
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const attempts = this.settings.shutdownAttempts ?? 3;
    for (let attempt = 1; this.queue.length > 0 && attempt <= attempts; attempt += 1) {
      try {
        await this.flush();
      } catch {
        if (attempt < attempts) {
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(this.settings.flushIntervalMs * attempt, 1_000)),
          );
        }
      }
    }
    if (this.queue.length > 0) {
      this.dropped?.inc(this.queue.length);
      this.logger.error(
        `AUDIT EVENTS LOST AT SHUTDOWN: ${this.queue.length} events could not be written to ${this.store.description}`,
      );
    }
    this.closed = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.closed = true;
    this.clearTimer();
    while (this.draining) {
      await this.draining.catch(() => undefined);
    }
    this.rejectWaiters(new Error('the audit trail was closed'));
    await this.store.close();
  }

  /**
   * Health: up only when a write succeeds now — the queued events (a real batch) or, with none
   * queued, a probe insert rolled back — so a store that answers pings but refuses inserts is down.
   * Concurrent checks share one probe.
   */
  private async check(): Promise<HealthReport> {
    if (this.closed) {
      return { status: 'down', detail: 'audit store closed' };
    }
    try {
      await (this.probing ??= this.probe().finally(() => {
        this.probing = undefined;
      }));
      return {
        status: 'up',
        ...(this.queue.length > 0 ? { detail: `${this.queue.length} events queued` } : {}),
      };
    } catch (error) {
      return {
        status: 'down',
        detail: `audit store not accepting writes (${describeError(this.lastError ?? error)}); ${this.queue.length} events queued`,
      };
    }
  }

  private async probe(): Promise<void> {
    if (this.queue.length > 0 && !this.stopped) {
      this.clearTimer();
      await this.startDrain();
      return;
    }
    try {
      await this.ensureMigrated();
      await this.store.probeWrite();
      this.markUp();
    } catch (error) {
      this.markDown(error);
      this.scheduleNext();
      throw error;
    }
  }

  private async ensureMigrated(): Promise<void> {
    if (!this.migrated) {
      await this.store.migrate();
      this.migrated = true;
    }
  }

  /**
   * Starts writing (or joins the write in progress). `everything`: until the queue is empty (flush,
   * shutdown); otherwise what is queued now, then only while a full batch, a caller of `committed` or
   * a backlog is waiting — the rest waits for the next interval, so under steady load the store gets
   * few large batches rather than a stream of small ones (each batch is one transaction, and its
   * commit costs as much as dozens of rows).
   */
  private startDrain(everything = false): Promise<void> {
    if (this.draining) {
      return this.draining;
    }
    const run = this.drain(everything).finally(() => {
      this.draining = undefined;
      if (this.waiters.length > 0 && !this.down) {
        // A caller of `committed` arrived after the last batch was taken: write it now.
        this.kick();
      } else {
        this.scheduleNext();
      }
    });
    this.draining = run;
    return run;
  }

  private async drain(everything: boolean): Promise<void> {
    try {
      await this.ensureMigrated();
      if (this.queue.length === 0 && this.down) {
        // Nothing to retry with: a probe insert (rolled back) tells whether writes work again.
        await this.store.probeWrite();
        this.markUp();
      }
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, this.settings.batchSize);
        this.taken = this.written + batch.length;
        await this.store.insert(batch);
        this.queue.splice(0, batch.length);
        this.written += batch.length;
        this.written$?.inc(batch.length);
        this.markUp();
        this.settleWaiters();
        if (this.backlogLogged && this.queue.length < this.maxQueue) {
          this.backlogLogged = false;
          this.logger.log(`audit queue drained below AUDIT_MAX_QUEUE (${this.queue.length} events queued)`);
        }
        if (
          !everything &&
          this.queue.length < this.settings.batchSize &&
          this.waiters.length === 0 &&
          this.queue.length < this.maxQueue
        ) {
          // What arrived meanwhile waits for the next interval (`scheduleNext`), unless a batch is full.
          break;
        }
      }
    } catch (error) {
      this.taken = this.written;
      this.metrics?.auditDropped.inc();
      this.markDown(error);
      this.rejectWaiters(error);
      throw this.unavailable(error);
    }
  }

  /** Resolves the callers of `committed` whose event is now written. */
  private settleWaiters(): void {
    let settled = 0;
    while (settled < this.waiters.length && this.waiters[settled].seq <= this.written) {
      this.waiters[settled].resolve();
      settled += 1;
    }
    if (settled > 0) {
      this.waiters.splice(0, settled);
    }
  }

  private rejectWaiters(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      waiter.reject(this.unavailable(error));
    }
  }

  private kick(): void {
    this.clearTimer();
    void this.startDrain().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.draining || this.closed || this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.startDrain().catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  private scheduleNext(): void {
    if (this.down) {
      const exp = this.settings.flushIntervalMs * 2 ** Math.min(this.failures - 1, 20);
      const capped = Math.min(exp, this.retryMaxDelayMs);
      this.schedule(Math.round(capped * (0.75 + 0.5 * this.random())));
    } else if (this.queue.length > 0) {
      this.schedule(this.queue.length >= this.settings.batchSize ? 0 : this.settings.flushIntervalMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private markDown(error: unknown): void {
    this.failures += 1;
    this.lastError = error;
    if (!this.down) {
      this.down = true;
      this.logger.error(
        `audit store ${this.store.description} unavailable (${describeError(error)}); ${this.queue.length} events ` +
          `queued, retrying with backoff; mutations are refused until a write succeeds`,
      );
    }
  }

  private markUp(): void {
    if (this.down) {
      this.logger.warn(
        `audit store ${this.store.description} accepts writes again after ${this.failures} failed attempts`,
      );
    }
    this.down = false;
    this.failures = 0;
    this.lastError = undefined;
  }

  private unavailable(error: unknown): DomainError {
    return new DomainError(
      ErrorCode.AuditUnavailable,
      'The audit store is unavailable.',
      { retryAfterSeconds: this.retryAfterSeconds },
      { cause: error },
    );
  }
}

/**
 * The queued event: every field listed (absent ones `undefined`), so all events share one object
 * shape however many optional fields their inputs carry — a spread plus a conditional field would
 * build a new shape per combination on the request path.
 */
function storedEvent(input: AuditEventInput, id: string, bucket: string | undefined): AuditEvent {
  return {
    id,
    time: input.time,
    requestId: input.requestId,
    clientRequestId: input.clientRequestId,
    transport: input.transport,
    kind: input.kind,
    principal: input.principal,
    keyId: input.keyId,
    sourceIp: input.sourceIp,
    userAgent: input.userAgent,
    action: input.action,
    resource: input.resource,
    bucket,
    decision: input.decision,
    matchedStatements: input.matchedStatements,
    operation: input.operation,
    outcomeStatus: input.outcomeStatus,
    ossRequestId: input.ossRequestId,
    ossErrorCode: input.ossErrorCode,
    latencyMs: input.latencyMs,
    dryRun: input.dryRun,
    repeats: input.repeats,
  };
}

interface CommitWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
