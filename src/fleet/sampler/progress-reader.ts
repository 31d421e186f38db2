import type { RtcStatus, RuleStatus } from '../../replication/domain/replication-rule.js';

/** A rule as GetBucketReplication lists it: what the sampler needs of it. */
export interface ListedRule {
  status: RuleStatus;
  rtcStatus: RtcStatus | null;
}

/** A rule's GetBucketReplicationProgress, in domain terms. */
export interface ProgressReading {
  status: RuleStatus;
  historicalObjectProgress: number | null;
  newObjectsReplicatedUntil: Date | null;
}

/** One sampler pass's OSS calls share a request id (audit) and a signal (shutdown). */
export interface SamplerCall {
  requestId: string;
  signal?: AbortSignal;
}

/**
 * How the sampler reads OSS: each method is exactly one OSS call (the sampler counts them against
 * `GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL`). A rule or bucket that no longer exists is an answer
 * (absent / null), not an error; any other failure throws.
 */
export interface ProgressReader {
  /** GetBucketReplication: the bucket's rules by id (empty when the bucket or its configuration is gone). */
  listRules(account: string, bucket: string, call: SamplerCall): Promise<Map<string, ListedRule>>;
  /** GetBucketReplicationProgress of one rule; null when the rule is gone. */
  readProgress(
    account: string,
    bucket: string,
    ruleId: string,
    call: SamplerCall,
  ): Promise<ProgressReading | null>;
}

export const PROGRESS_READER = Symbol('PROGRESS_READER');
