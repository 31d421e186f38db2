import type {
  NewReplicationRule,
  ReplicationLocationsModel,
  ReplicationProgressModel,
  ReplicationRuleModel,
} from '../replication/domain/replication-rule.js';
import type {
  OssCallResult,
  OssRequestPlan,
  ReplicationApi,
} from '../replication/ports/replication-api.port.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { translateOssError } from './oss-error.translator.js';
import { OssServiceError } from '../oss/errors.js';
import type { OssClient } from '../oss/oss-client.js';
import { DeleteBucketReplication, PutBucketReplication } from '../oss/operations/bucket-replication.js';
import { PutBucketRtc } from '../oss/operations/bucket-rtc.js';
import type { HttpRequestSpec } from '../oss/operations/operation.js';
import { locationsFromWire, progressFromWire, ruleFromWire, ruleToWire } from './replication-wire.mapper.js';

/** `[['replication', null], ['comp', 'add']]` → `/?replication&comp=add`. */
function resourceOf(spec: HttpRequestSpec): string {
  const query = spec.query
    .map(([key, value]) =>
      value === null ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
    )
    .join('&');
  const path = spec.key ? `/${spec.key}` : '/';
  return query ? `${path}?${query}` : path;
}

function planOf(operation: string, bucket: string, serialize: () => HttpRequestSpec): OssRequestPlan {
  let spec: HttpRequestSpec;
  try {
    spec = serialize();
  } catch (error) {
    throw translateOssError(error) ?? error;
  }
  const plan: OssRequestPlan = { operation, method: spec.method, bucket, resource: resourceOf(spec) };
  const contentType = spec.headers['Content-Type'];
  if (contentType !== undefined) {
    plan.contentType = contentType;
  }
  if (spec.body !== undefined) {
    plan.body = typeof spec.body === 'string' ? spec.body : spec.body.toString('utf8');
  }
  return plan;
}

/**
 * Runs one port method: OSS failures (of the call, or of mapping its answer) leave the adapter as
 * domain errors, which is the port's contract; anything else passes unchanged.
 */
async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateOssError(error) ?? error;
  }
}

/** The replication port over the OSS client: domain in, domain out; wire models stay in `src/oss`. */
export class OssReplicationApi implements ReplicationApi {
  private readonly clientFor: (bucket: string) => OssClient;

  /** `client`: the one client, or the client of each bucket's account (several accounts). */
  constructor(client: OssClient | ((bucket: string) => OssClient)) {
    this.clientFor = typeof client === 'function' ? client : () => client;
  }

  listRules(
    bucket: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { rules: ReplicationRuleModel[] }> {
    return translated(async () => {
      try {
        const output = await this.clientFor(bucket).getBucketReplication(bucket, { signal });
        return { requestId: output.requestId, rules: output.rules.map(ruleFromWire) };
      } catch (error) {
        // A bucket that never had a rule answers 404 NoSuchReplicationConfiguration: that is "no rules".
        if (error instanceof OssServiceError && error.code === 'NoSuchReplicationConfiguration') {
          return { requestId: error.requestId, rules: [] };
        }
        throw error;
      }
    });
  }

  putRule(
    bucket: string,
    rule: NewReplicationRule,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { ruleId: string }> {
    return translated(async () => {
      const output = await this.clientFor(bucket).putBucketReplication(bucket, ruleToWire(rule), { signal });
      return { requestId: output.requestId, ruleId: output.ruleId };
    });
  }

  setRtc(bucket: string, ruleId: string, enabled: boolean, signal?: AbortSignal): Promise<OssCallResult> {
    return translated(async () => {
      const output = await this.clientFor(bucket).putBucketRtc(bucket, ruleId, enabled, { signal });
      return { requestId: output.requestId };
    });
  }

  deleteRule(
    bucket: string,
    ruleId: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { alreadyClosing: boolean }> {
    return translated(async () => {
      const output = await this.clientFor(bucket).deleteBucketReplication(bucket, ruleId, { signal });
      return { requestId: output.requestId, alreadyClosing: output.alreadyClosing };
    });
  }

  getProgress(
    bucket: string,
    ruleId: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { progress: ReplicationProgressModel }> {
    return translated(async () => {
      const output = await this.clientFor(bucket).getBucketReplicationProgress(bucket, ruleId, { signal });
      // OSS answers a list of rules; asked with rule-id it holds that one rule.
      const entry = output.rules.find((r) => r.rule.id === ruleId);
      if (!entry) {
        throw new DomainError(
          ErrorCode.ReplicationRuleNotFound,
          `OSS reported no progress for replication rule "${ruleId}" of bucket "${bucket}".`,
        );
      }
      return { requestId: output.requestId, progress: progressFromWire(entry) };
    });
  }

  getLocations(
    bucket: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { locations: ReplicationLocationsModel }> {
    return translated(async () => {
      const output = await this.clientFor(bucket).getBucketReplicationLocation(bucket, { signal });
      return { requestId: output.requestId, locations: locationsFromWire(output) };
    });
  }

  planPutRule(bucket: string, rule: NewReplicationRule): OssRequestPlan {
    return planOf('PutBucketReplication', bucket, () =>
      PutBucketReplication.serialize({ bucket, rule: ruleToWire(rule) }),
    );
  }

  planSetRtc(bucket: string, ruleId: string, enabled: boolean): OssRequestPlan {
    return planOf('PutBucketRtc', bucket, () => PutBucketRtc.serialize({ bucket, ruleId, enabled }));
  }

  planDeleteRule(bucket: string, ruleId: string): OssRequestPlan {
    return planOf('DeleteBucketReplication', bucket, () =>
      DeleteBucketReplication.serialize({ bucket, ruleId }),
    );
  }
}
