import { randomUUID } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error.js';
import { type RuleProgressSample, type RuleRef, ruleKey } from '../domain/progress-sample.js';
import type { LeaderElection } from '../leader/leader-election.js';
import type { ProgressSampleStore } from '../store/progress-sample-store.js';
import type { ListedRule, ProgressReader, SamplerCall } from './progress-reader.js';
import type { RuleSource } from './rule-source.js';

/** Timers, injectable so tests can see that none is left and run a pass when they choose. */
export interface SamplerTimers {
  set(run: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers that do not keep the process alive on their own. */
export const REAL_TIMERS: SamplerTimers = {
  set: (run, delayMs) => setTimeout(run, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ProgressSamplerOptions {
  /** `GATEWAY_SAMPLE_INTERVAL_SECONDS`, in ms: one pass starts this long after the previous one started. */
  intervalMs: number;
  /** `GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL` (at least 2: one bucket listing and one progress read). */
  maxCallsPerInterval: number;
  /** `GATEWAY_HISTORY_RETENTION_DAYS`: samples older than this are deleted (at most once an hour). */
  retentionDays: number;
  /** Buckets read at once (default 4). */
  concurrency?: number;
  now?: () => Date;
  /** The request id of a pass (all its OSS calls' audit events carry it). Default: `sampler-<uuid>`. */
  requestId?: () => string;
  timers?: SamplerTimers;
  /** Store failures and other trouble of a pass (a pass never throws). */
  onError?: (error: Error) => void;
  /** After every pass: what it did, and the error that ended it early (the sampler's metrics). */
  onPass?: (result: SamplerPassResult, error?: Error) => void;
  /** Run before a leader's pass until it succeeds once (the store's migration, when start-up could not). */
  prepare?: () => Promise<void>;
}

/** What one pass did. */
export interface SamplerPassResult {
  /** False when another instance leads (nothing was read). */
  leader: boolean;
  /** OSS calls made. */
  calls: number;
  /** Samples stored (failed reads included). */
  samples: number;
  /** Rules left for a later pass (the call budget ran out). */
  deferred: number;
}

/** One bucket's share of a pass: its listing, then these rules' progress. */
interface BucketPlan {
  account: string;
  bucket: string;
  ruleIds: string[];
}

const PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_ERROR_LENGTH = 500;

/** A failed read as the sentence stored with the sample: the OSS code when there is one. */
export function describeSampleError(error: unknown): string {
  let text: string;
  if (error instanceof DomainError) {
    text = `${error.details.oss?.code ?? error.code}: ${error.message}`;
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * The progress sampler (DESIGN §11): every interval, while this instance leads (§7), it reads the
 * status and progress of the rules the RuleSource names and stores one sample per rule.
 *
 * - At most `maxCallsPerInterval` OSS calls per pass: one GetBucketReplication per bucket (status and
 *   RTC status of all its rules; a rule missing from it is sampled as `gone` without another call),
 *   then one GetBucketReplicationProgress per rule. Rules are taken in (account, bucket, rule) order
 *   starting after the last rule the previous pass sampled, so with any budget every rule is
 *   sampled in turn.
 * - A failed read stores a sample with `error` set (health: unknown); a pass never throws.
 * - `stop()` starts no further pass nor bucket, waits for the buckets under way, stores what the pass
 *   read, releases leadership, and leaves no timer behind.
 */
export class ProgressSampler {
  private readonly now: () => Date;
  private readonly timers: SamplerTimers;
  private timer: unknown;
  private started = false;
  private stopping = false;
  private inFlight: Promise<SamplerPassResult> | undefined;
  /** The last rule sampled: the next pass starts after it. */
  private cursor: string | undefined;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private prepared = false;

  constructor(
    private readonly source: RuleSource,
    private readonly reader: ProgressReader,
    private readonly store: ProgressSampleStore,
    private readonly election: LeaderElection,
    private readonly options: ProgressSamplerOptions,
  ) {
    if (!(options.maxCallsPerInterval >= 2)) {
      throw new RangeError('maxCallsPerInterval must be at least 2');
    }
    this.now = options.now ?? (() => new Date());
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** Whether a timer is set for the next pass. */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** Runs the first pass at once, then one every interval, until `stop()`. */
  start(): void {
    if (this.started || this.stopping) {
      return;
    }
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    await this.inFlight;
    await this.election.release();
  }

  /** One pass now (the timer's job; tests call it directly). Concurrent calls share the pass under way. */
  runPass(): Promise<SamplerPassResult> {
    this.inFlight ??= this.pass().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) {
      return;
    }
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      const startedAt = this.now().getTime();
      void this.runPass().then(() => {
        const elapsed = this.now().getTime() - startedAt;
        this.schedule(Math.max(0, this.options.intervalMs - elapsed));
      });
    }, delayMs);
  }

  private async pass(): Promise<SamplerPassResult> {
    const result: SamplerPassResult = { leader: false, calls: 0, samples: 0, deferred: 0 };
    if (this.stopping) {
      return result;
    }
    try {
      result.leader = await this.election.acquire();
      if (!result.leader || this.stopping) {
        this.options.onPass?.(result);
        return result;
      }
      if (!this.prepared) {
        await this.options.prepare?.();
        this.prepared = true;
      }
      const { plans, deferred } = this.plan(await this.source.buckets());
      result.deferred = deferred;
      const call: SamplerCall = { requestId: this.options.requestId?.() ?? `sampler-${randomUUID()}` };
      const samples: RuleProgressSample[] = [];
      const queue = [...plans];
      const workers = Array.from(
        { length: Math.min(this.options.concurrency ?? 4, queue.length) },
        async () => {
          for (let plan = queue.shift(); plan; plan = queue.shift()) {
            const calls = await this.sampleBucket(plan, call, samples);
            result.calls += calls;
          }
        },
      );
      await Promise.all(workers);
      await this.store.append(samples);
      result.samples = samples.length;
      await this.pruneIfDue();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.options.onError?.(failure);
      this.options.onPass?.(result, failure);
      return result;
    }
    this.options.onPass?.(result);
    return result;
  }

  /**
   * This pass's share of the rules: in key order from after the cursor (wrapping), grouped by
   * bucket, as many as the call budget allows (a bucket costs one listing plus one call per rule).
   */
  private plan(buckets: readonly { account: string; bucket: string; ruleIds: readonly string[] }[]): {
    plans: BucketPlan[];
    deferred: number;
  } {
    const rules: RuleRef[] = buckets
      .flatMap((b) =>
        [...new Set(b.ruleIds)].map((ruleId) => ({ account: b.account, bucket: b.bucket, ruleId })),
      )
      .sort((x, y) => compare(ruleKey(x), ruleKey(y)));
    const cursor = this.cursor;
    const startAt = cursor === undefined ? 0 : rules.findIndex((r) => compare(ruleKey(r), cursor) > 0);
    const ordered = startAt <= 0 ? rules : [...rules.slice(startAt), ...rules.slice(0, startAt)];

    const byBucket = new Map<string, BucketPlan>();
    let budget = this.options.maxCallsPerInterval;
    let taken = 0;
    for (const rule of ordered) {
      const bucketKey = JSON.stringify([rule.account, rule.bucket]);
      let plan = byBucket.get(bucketKey);
      const cost = plan ? 1 : 2;
      if (budget < cost) {
        break;
      }
      if (!plan) {
        plan = { account: rule.account, bucket: rule.bucket, ruleIds: [] };
        byBucket.set(bucketKey, plan);
      }
      plan.ruleIds.push(rule.ruleId);
      budget -= cost;
      taken += 1;
      this.cursor = ruleKey(rule);
    }
    return { plans: [...byBucket.values()], deferred: rules.length - taken };
  }

  /**
   * Lists the bucket's rules, then reads each planned rule's progress; returns the OSS calls made.
   * A bucket begun is finished (its listing is only worth its reads); `stop()` holds back the next one.
   */
  private async sampleBucket(
    plan: BucketPlan,
    call: SamplerCall,
    out: RuleProgressSample[],
  ): Promise<number> {
    if (this.stopping) {
      return 0;
    }
    const ref = (ruleId: string) => ({ account: plan.account, bucket: plan.bucket, ruleId });
    let calls = 1;
    let listed: Map<string, ListedRule>;
    try {
      listed = await this.reader.listRules(plan.account, plan.bucket, call);
    } catch (error) {
      const reason = describeSampleError(error);
      for (const ruleId of plan.ruleIds) {
        out.push(this.failedSample(ref(ruleId), reason));
      }
      return calls;
    }
    for (const ruleId of plan.ruleIds) {
      const rule = listed.get(ruleId);
      if (!rule) {
        out.push(this.goneSample(ref(ruleId)));
        continue;
      }
      calls += 1;
      try {
        const progress = await this.reader.readProgress(plan.account, plan.bucket, ruleId, call);
        out.push(
          progress
            ? {
                ...ref(ruleId),
                time: this.now(),
                status: progress.status,
                historicalObjectProgress: progress.historicalObjectProgress,
                newObjectsReplicatedUntil: progress.newObjectsReplicatedUntil,
                rtcStatus: rule.rtcStatus,
              }
            : this.goneSample(ref(ruleId)),
        );
      } catch (error) {
        out.push(this.failedSample(ref(ruleId), describeSampleError(error)));
      }
    }
    return calls;
  }

  private goneSample(rule: RuleRef): RuleProgressSample {
    return {
      ...rule,
      time: this.now(),
      status: 'gone',
      historicalObjectProgress: null,
      newObjectsReplicatedUntil: null,
      rtcStatus: null,
    };
  }

  private failedSample(rule: RuleRef, error: string): RuleProgressSample {
    return {
      ...rule,
      time: this.now(),
      status: null,
      historicalObjectProgress: null,
      newObjectsReplicatedUntil: null,
      rtcStatus: null,
      error,
    };
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) {
      return;
    }
    this.lastPrune = now;
    await this.store.prune(new Date(now - this.options.retentionDays * DAY_MS));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
