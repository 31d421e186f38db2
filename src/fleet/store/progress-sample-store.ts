import type { ProgressSample, RuleProgressSample, RuleRef } from '../domain/progress-sample.js';

/** A page of one rule's history: oldest first, `time` in [from, to), strictly after `after`. */
export interface HistoryQuery {
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** At most this many samples (ask for one more to learn whether another page follows). */
  first: number;
  /** Keyset position: the time of the last sample of the previous page. */
  after?: Date;
}

/**
 * Where progress samples live (DESIGN §11): one row per (account, bucket, rule, time), so the same
 * sample can never be stored twice. Implemented on Kysely over the audit trail's database.
 */
export interface ProgressSampleStore {
  /** Human-readable target for logs (never contains a password). */
  readonly description: string;
  /** Creates or upgrades the fleet's tables; safe to call again and from several instances at once. */
  migrate(): Promise<void>;
  /** Stores samples; one already stored (same rule and time) is left as it is. All or none. */
  append(samples: readonly RuleProgressSample[]): Promise<void>;
  /** One rule's samples, oldest first (see HistoryQuery). */
  history(rule: RuleRef, query: HistoryQuery): Promise<ProgressSample[]>;
  /** The newest `count` samples of each rule, oldest first, keyed by `ruleKey`; rules without samples are absent. */
  latest(rules: readonly RuleRef[], count: number): Promise<Map<string, ProgressSample[]>>;
  /** Deletes every sample older than `olderThan` (retention). */
  prune(olderThan: Date): Promise<void>;
  close(): Promise<void>;
}

export const PROGRESS_SAMPLE_STORE = Symbol('PROGRESS_SAMPLE_STORE');
