import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import {
  type AuditChainHead,
  type AuditChainSource,
  type AuditVerificationReport,
  verifyAuditChains,
} from './audit-chain.js';
import { type AuditCursorPosition, decodeAuditCursor } from './audit-cursor.js';
import type { AuditEvent, AuditEventQueryFilter } from './audit-event.js';
import type { AuditService } from './audit.service.js';
import type { AuditPruneResult } from './store/kysely-audit-store.js';

/** What the integrity side needs of the store (KyselyAuditStore). */
export interface AuditIntegrityStore extends AuditChainSource {
  readonly instanceId: string;
  writtenHead(): Promise<(AuditChainHead & { instanceId: string }) | undefined>;
  prune(before: Date, now?: Date): Promise<AuditPruneResult>;
  query(filter: AuditEventQueryFilter, limit: number, after?: AuditCursorPosition): Promise<AuditEvent[]>;
}

export interface AuditIntegritySettings {
  /** `AUDIT_RETENTION_DAYS`; undefined = nothing is pruned. */
  retentionDays?: number;
  /** `AUDIT_PRUNE_INTERVAL_MS`. */
  pruneIntervalMs: number;
  /** Rows per page of an export (default 500). */
  exportPageSize?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/**
 * Verification, export and retention of the audit trail (DESIGN §10). Reads go through the store;
 * the recording side (AuditService) is only asked to write what it has queued first, so a caller
 * sees its own instance's events.
 */
export class AuditIntegrityService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<AuditPruneResult | undefined> | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly store: AuditIntegrityStore,
    private readonly audit: Pick<AuditService, 'flush'>,
    private readonly settings: AuditIntegritySettings,
  ) {
    this.now = settings.now ?? (() => new Date());
  }

  onApplicationBootstrap(): void {
    if (this.settings.retentionDays === undefined) {
      return;
    }
    this.timer = setInterval(() => void this.prune().catch(() => undefined), this.settings.pruneIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pruning?.catch(() => undefined);
  }

  /**
   * Recomputes every chain (within `from`/`to` when given); this instance's own must still reach the
   * last event it wrote.
   */
  async verify(window: { from?: Date; to?: Date } = {}): Promise<AuditVerificationReport> {
    await this.writeQueued();
    try {
      const knownHead = await this.store.writtenHead();
      return await verifyAuditChains(this.store, {
        ...(knownHead ? { knownHead } : {}),
        ...window,
        now: this.now,
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * Every event matching the filter, newest first, strictly after the cursor `after` when given: read
   * page by page as the consumer pulls, never held in memory as a whole. The cursor is checked and
   * the first page read before this resolves, so a bad cursor or a store outage is still an error
   * answer, not a cut-off stream.
   */
  async export(filter: AuditEventQueryFilter, after?: string): Promise<AsyncIterable<AuditEvent>> {
    const start = after !== undefined ? decodeAuditCursor(after) : undefined;
    await this.writeQueued();
    const pageSize = this.settings.exportPageSize ?? 500;
    const read = (position: AuditCursorPosition | undefined) => this.store.query(filter, pageSize, position);
    let first: AuditEvent[];
    try {
      first = await read(start);
    } catch (error) {
      throw unavailable(error);
    }
    return (async function* pages(): AsyncGenerator<AuditEvent> {
      let page = first;
      for (;;) {
        yield* page;
        const last = page[page.length - 1];
        if (page.length < pageSize || !last) {
          return;
        }
        page = await read({ time: last.time, id: last.id });
      }
    })();
  }

  /**
   * One retention run: removes events older than `AUDIT_RETENTION_DAYS` before `now`, each chain up
   * to a recorded checkpoint. Undefined when retention is off; a run already going is joined.
   */
  prune(now: Date = this.now()): Promise<AuditPruneResult | undefined> {
    const days = this.settings.retentionDays;
    if (days === undefined) {
      return Promise.resolve(undefined);
    }
    this.pruning ??= this.store
      .prune(new Date(now.getTime() - days * DAY_MS), now)
      .then(
        (result) => {
          if (result.deleted > 0) {
            this.logger.log(
              `audit retention (${days} days) pruned ${result.deleted} events; checkpoints ` +
                result.checkpoints.map((c) => `${c.instanceId}#${c.seq}`).join(', '),
            );
          }
          return result;
        },
        (error: unknown) => {
          this.logger.warn(
            `audit retention failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          throw unavailable(error);
        },
      )
      .finally(() => {
        this.pruning = undefined;
      });
    return this.pruning;
  }

  private async writeQueued(): Promise<void> {
    // Read your writes; when the store is failing, the read below reports it.
    await this.audit.flush().catch(() => undefined);
  }
}

function unavailable(error: unknown): DomainError {
  if (error instanceof DomainError) {
    return error;
  }
  return new DomainError(ErrorCode.AuditUnavailable, 'The audit store is unavailable.', {}, { cause: error });
}
