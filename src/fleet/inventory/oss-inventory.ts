import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../../audit/audit-event.js';
import { bucketArn, OssAction } from '../../auth/ram/actions.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../../common/errors/error-mapping.js';
import { toDomainError } from '../../common/errors/to-domain-error.js';
import type { ReplicationRuleModel } from '../../replication/domain/replication-rule.js';
import type { OssCallResult } from '../../replication/ports/replication-api.port.js';
import type { SampledBucket } from '../sampler/rule-source.js';
import type { Inventory, InventoryRule } from './inventory.js';
import type { InventoryUpstream } from './inventory-upstream.port.js';

/** The principal the inventory's OSS calls are audited under (DESIGN §11, like the sampler's `gateway:sampler`). */
export const INVENTORY_PRINCIPAL = 'gateway:inventory';
/** The RAM action ListBuckets is audited under (the gateway checks no caller against it). */
export const LIST_BUCKETS_ACTION = 'oss:ListBuckets';
/** Buckets per ListBuckets page (OSS's maximum). */
export const INVENTORY_PAGE_SIZE = 1000;
/** At most this many of the inventory's OSS calls are in flight at once. */
export const INVENTORY_CONCURRENCY = 4;
/** At most this many ListBuckets pages per account and refresh (1,000,000 buckets). */
const MAX_PAGES = 1000;

export interface InventoryAccount {
  id: string;
  /** The account id in resource ARNs. */
  arnAccountId: string;
}

/** Where the inventory's calls are recorded: `AuditService.record` and the OSS-call histogram. */
export interface InventoryCallRecorder {
  audit(event: AuditEventInput): void;
  observe(operation: string, outcome: string, seconds: number): void;
}

export interface OssInventoryOptions {
  /** The managed accounts, the default first. */
  accounts: readonly InventoryAccount[];
  /** Between two full refreshes (`GATEWAY_INVENTORY_INTERVAL_SECONDS`). */
  intervalMs: number;
  recorder: InventoryCallRecorder;
  /** Told each account's complete bucket list after a successful listing (the bucket → account directory). */
  onBuckets?: (account: string, buckets: readonly string[]) => void;
  onError?: (error: Error) => void;
  now?: () => Date;
  /** Buckets asked per ListBuckets page (default and most {@link INVENTORY_PAGE_SIZE}). */
  pageSize?: number;
}

interface BucketEntry {
  /** `cn-hangzhou` form; `*` when unknown. */
  region: string;
  rules: readonly ReplicationRuleModel[];
}

type InventoryOperation = 'ListBuckets' | 'GetBucketReplication';

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function regionOf(location: string): string {
  return location.replace(/^oss-/, '') || '*';
}

/**
 * The inventory (DESIGN §11) over OSS: every bucket each account's ListBuckets lists (all pages), with
 * its region from ListBuckets' Location and its rules from GetBucketReplication (none without a
 * replication configuration). Refreshed fully every interval and per bucket after each write made
 * through the gateway. Its OSS calls are audited as `oss-call` events of the principal
 * `gateway:inventory`, one request id per refresh, at most {@link INVENTORY_CONCURRENCY} at a time; a
 * refresh never overlaps the next. What fails to be read keeps its last known state (an account whose
 * listing failed keeps its buckets; a bucket whose rules could not be read keeps its rules).
 */
export class OssInventory implements Inventory {
  private readonly state = new Map<string, Map<string, BucketEntry>>();
  private readonly controller = new AbortController();
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Resolves once the first full refresh has run (successfully or not). */
  private firstRefresh: Promise<void> | undefined;
  private readonly bucketRefreshes = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private sorted: InventoryRule[] | undefined;

  constructor(
    private readonly upstream: InventoryUpstream,
    private readonly options: OssInventoryOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    for (const account of options.accounts) {
      this.state.set(account.id, new Map());
    }
  }

  /** Runs the first refresh now and then every interval, until `stop`. */
  start(): void {
    if (this.stopped || this.firstRefresh !== undefined) {
      return;
    }
    this.firstRefresh = this.refresh();
  }

  /**
   * Resolves when the first refresh has run, or after `maxWaitMs` if it takes longer (it goes on in the
   * background). The app waits for it at start-up, so it serves with the bucket → account map filled.
   */
  async firstRefreshSettled(maxWaitMs: number): Promise<void> {
    if (this.firstRefresh === undefined) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
      timer.unref?.();
    });
    try {
      await Promise.race([this.firstRefresh, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether a next full refresh is scheduled. */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** Stops the schedule, cancels the calls in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller.abort();
    await Promise.allSettled([...this.pending, this.running ?? Promise.resolve()]);
  }

  /** One full refresh now (shared when one is already running). */
  refresh(): Promise<void> {
    if (this.running !== undefined) {
      return this.running;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.refreshAll()
      .catch((error: unknown) => this.options.onError?.(toDomainError(error)))
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) {
          this.timer = setTimeout(() => void this.refresh(), this.options.intervalMs);
          this.timer.unref?.();
        }
      });
    this.running = run;
    return run;
  }

  rules(): readonly InventoryRule[] {
    if (this.sorted === undefined) {
      const out: InventoryRule[] = [];
      for (const [account, buckets] of this.state) {
        for (const [bucket, entry] of buckets) {
          for (const rule of entry.rules) {
            out.push({ account, bucket, ruleId: rule.id, region: entry.region, rule });
          }
        }
      }
      out.sort(
        (a, b) =>
          a.account.localeCompare(b.account) ||
          a.bucket.localeCompare(b.bucket) ||
          a.ruleId.localeCompare(b.ruleId),
      );
      this.sorted = out;
    }
    return this.sorted;
  }

  /** Every inventoried bucket that has rules; waits for the first refresh when it is still running. */
  async buckets(): Promise<readonly SampledBucket[]> {
    await this.firstRefresh;
    const out: SampledBucket[] = [];
    for (const [account, buckets] of this.state) {
      for (const [bucket, entry] of buckets) {
        if (entry.rules.length > 0) {
          out.push({ account, bucket, ruleIds: entry.rules.map((r) => r.id) });
        }
      }
    }
    return out;
  }

  /** The buckets one account listed at the last successful listing, with their regions. */
  bucketsOf(account: string): ReadonlyMap<string, { region: string }> {
    return this.state.get(account) ?? new Map();
  }

  refreshBucket(account: string, bucket: string): Promise<void> {
    const key = `${account}\n${bucket}`;
    const pending = this.bucketRefreshes.get(key);
    if (pending !== undefined) {
      // One re-read per bucket at a time: a second write meanwhile gets a fresh one after it.
      return pending.then(() => this.refreshBucket(account, bucket));
    }
    const run = this.readBucket(account, bucket, randomUUID())
      .catch((error: unknown) => this.options.onError?.(toDomainError(error)))
      .finally(() => this.bucketRefreshes.delete(key));
    this.bucketRefreshes.set(key, run);
    return run;
  }

  // ---- refresh --------------------------------------------------------------------------------

  private async refreshAll(): Promise<void> {
    const requestId = randomUUID();
    const failures: Error[] = [];
    await Promise.all(
      this.options.accounts.map(async (account) => {
        try {
          await this.refreshAccount(account, requestId);
        } catch (error) {
          failures.push(toDomainError(error));
        }
      }),
    );
    if (failures.length > 0 && !this.stopped) {
      throw failures[0];
    }
  }

  private async refreshAccount(account: InventoryAccount, requestId: string): Promise<void> {
    const listed = new Map<string, string>();
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await this.call(requestId, account, 'ListBuckets', undefined, (signal) =>
        this.upstream.listBuckets(
          account.id,
          {
            maxKeys: this.options.pageSize ?? INVENTORY_PAGE_SIZE,
            ...(marker !== undefined ? { marker } : {}),
          },
          signal,
        ),
      );
      for (const b of answer.buckets) {
        listed.set(b.name, regionOf(b.location));
      }
      marker = answer.nextMarker;
      if (marker === undefined) {
        break;
      }
    }
    const previous = this.state.get(account.id) ?? new Map<string, BucketEntry>();
    const next = new Map<string, BucketEntry>();
    for (const [name, region] of listed) {
      next.set(name, { region, rules: previous.get(name)?.rules ?? [] });
    }
    this.state.set(account.id, next);
    this.sorted = undefined;
    this.options.onBuckets?.(account.id, [...listed.keys()]);
    const failures: Error[] = [];
    await Promise.all(
      [...listed.keys()].map((bucket) =>
        this.readBucket(account.id, bucket, requestId).catch((error: unknown) => {
          failures.push(toDomainError(error));
        }),
      ),
    );
    if (failures.length > 0) {
      throw failures[0];
    }
  }

  /** GetBucketReplication of one bucket into the state (a bucket gone is dropped). */
  private async readBucket(accountId: string, bucket: string, requestId: string): Promise<void> {
    const account = this.options.accounts.find((a) => a.id === accountId);
    if (account === undefined) {
      throw new DomainError(ErrorCode.ValidationFailed, `The inventory has no account "${accountId}".`);
    }
    const buckets = this.state.get(accountId)!;
    try {
      const { rules } = await this.call(requestId, account, 'GetBucketReplication', bucket, (signal) =>
        this.upstream.listRules(accountId, bucket, signal),
      );
      buckets.set(bucket, { region: buckets.get(bucket)?.region ?? '*', rules });
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.BucketNotFound) {
        buckets.delete(bucket);
      } else {
        throw error;
      }
    } finally {
      this.sorted = undefined;
    }
  }

  // ---- calls ----------------------------------------------------------------------------------

  private async slot(): Promise<void> {
    if (this.active < INVENTORY_CONCURRENCY) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }

  /** One OSS call: bounded, cancelled by `stop`, measured and audited under `gateway:inventory`. */
  private async call<T extends OssCallResult>(
    requestId: string,
    account: InventoryAccount,
    operation: InventoryOperation,
    bucket: string | undefined,
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    await this.slot();
    if (this.stopped) {
      this.release();
      throw new DomainError(ErrorCode.UpstreamUnavailable, 'The inventory is stopped.');
    }
    const time = this.now();
    const started = performance.now();
    const promise = send(this.controller.signal);
    this.pending.add(promise);
    try {
      const result = await promise;
      const latencyMs = performance.now() - started;
      this.options.recorder.observe(operation, '200', latencyMs / 1000);
      this.record(requestId, account, operation, bucket, time, {
        outcomeStatus: 200,
        ossRequestId: result.requestId,
        latencyMs: roundMs(latencyMs),
      });
      return result;
    } catch (thrown) {
      const latencyMs = performance.now() - started;
      const error = toDomainError(thrown);
      const oss = error.details.oss;
      const status = oss?.status ?? ERROR_MAPPING[error.code].httpStatus;
      this.options.recorder.observe(operation, oss?.code ?? String(status), latencyMs / 1000);
      this.record(requestId, account, operation, bucket, time, {
        outcomeStatus: status,
        ...(oss?.requestId ? { ossRequestId: oss.requestId } : {}),
        ...(oss?.code ? { ossErrorCode: oss.code } : {}),
        latencyMs: roundMs(latencyMs),
      });
      throw error;
    } finally {
      this.pending.delete(promise);
      this.release();
    }
  }

  private record(
    requestId: string,
    account: InventoryAccount,
    operation: InventoryOperation,
    bucket: string | undefined,
    time: Date,
    outcome: Pick<AuditEventInput, 'outcomeStatus' | 'ossRequestId' | 'ossErrorCode' | 'latencyMs'>,
  ): void {
    const region = bucket === undefined ? '*' : (this.state.get(account.id)?.get(bucket)?.region ?? '*');
    this.options.recorder.audit({
      time,
      requestId,
      // As the sampler's: on the wire these are HTTP calls; the principal says who made them.
      transport: 'http',
      kind: 'oss-call',
      principal: INVENTORY_PRINCIPAL,
      action: operation === 'ListBuckets' ? LIST_BUCKETS_ACTION : OssAction.GetBucketReplication,
      resource: bucketArn(region, account.arnAccountId, bucket ?? '*'),
      operation,
      dryRun: false,
      ...outcome,
    });
  }
}
