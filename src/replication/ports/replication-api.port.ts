import type {
  NewReplicationRule,
  ReplicationLocationsModel,
  ReplicationProgressModel,
  ReplicationRuleModel,
} from '../domain/replication-rule.js';

/** Every answer names the OSS request it came from (audit, support tickets). */
export interface OssCallResult {
  requestId: string;
}

/** A request the gateway would send to OSS, described without signing it (dry runs). */
export interface OssRequestPlan {
  operation: string;
  method: string;
  bucket: string;
  /** Path and sub-resource query, e.g. `/?replication&comp=add`. */
  resource: string;
  contentType?: string;
  body?: string;
}

/**
 * What the replication service needs from OSS, in domain terms. Implemented by
 * `src/upstream/replication-api.adapter.ts`; the service never sees OssClient or wire models.
 * Failures are thrown as DomainErrors (`src/upstream/oss-error.translator.ts` maps OSS codes, keeping
 * `details.oss`); the service still passes anything else through `toDomainError`. Where a bucket is
 * comes from the one bucket → location lookup (`BucketRegionResolver`), shared with authorization.
 * `signal` cancels the call and its retries (the request it serves is settled or gone).
 */
export interface ReplicationApi {
  /** GetBucketReplication; a bucket without configuration answers `[]`. */
  listRules(bucket: string, signal?: AbortSignal): Promise<OssCallResult & { rules: ReplicationRuleModel[] }>;
  /** PutBucketReplication of exactly one rule (its id already chosen). */
  putRule(
    bucket: string,
    rule: NewReplicationRule,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { ruleId: string }>;
  /** PutBucketRTC. */
  setRtc(bucket: string, ruleId: string, enabled: boolean, signal?: AbortSignal): Promise<OssCallResult>;
  /** DeleteBucketReplication; `alreadyClosing` when OSS answered 204. */
  deleteRule(
    bucket: string,
    ruleId: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { alreadyClosing: boolean }>;
  /** GetBucketReplicationProgress. */
  getProgress(
    bucket: string,
    ruleId: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { progress: ReplicationProgressModel }>;
  /** GetBucketReplicationLocation. */
  getLocations(
    bucket: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { locations: ReplicationLocationsModel }>;

  /** The OSS requests the write operations would send (pure; nothing is sent). */
  planPutRule(bucket: string, rule: NewReplicationRule): OssRequestPlan;
  planSetRtc(bucket: string, ruleId: string, enabled: boolean): OssRequestPlan;
  planDeleteRule(bucket: string, ruleId: string): OssRequestPlan;
}

export const REPLICATION_API = Symbol('REPLICATION_API');
