import type { AuditEventInput } from '../../audit/audit-event.js';
import type { BucketRegionResolver } from '../../auth/ports/bucket-region-resolver.port.js';
import { bucketArn, OssAction } from '../../auth/ram/actions.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../../common/errors/error-mapping.js';
import { toDomainError } from '../../common/errors/to-domain-error.js';
import type { OssCallResult, ReplicationApi } from '../../replication/ports/replication-api.port.js';
import type { ListedRule, ProgressReader, ProgressReading, SamplerCall } from './progress-reader.js';

/** The principal the sampler's OSS calls are audited under (DESIGN §11). */
export const SAMPLER_PRINCIPAL = 'gateway:sampler';

const OPERATION_ACTIONS = {
  GetBucketReplication: OssAction.GetBucketReplication,
  GetBucketReplicationProgress: OssAction.GetBucketReplicationProgress,
} as const;
type SamplerOperation = keyof typeof OPERATION_ACTIONS;

/** What the reader needs to record a call: `AuditService.record` and the OSS-call histogram. */
export interface SamplerCallRecorder {
  audit(event: AuditEventInput): void;
  observe(operation: string, outcome: string, seconds: number): void;
}

export interface ReplicationApiProgressReaderOptions {
  /** The account this API reaches (`default` for the single account of `OSS_*`). */
  account: string;
  /** The bucket owner's account id for resource ARNs (`OSS_ACCOUNT_ID`, `*` if unknown). */
  accountId: string;
  /**
   * Several accounts (GATEWAY_ACCOUNTS_FILE): every account the API reaches → its ARN account id. The
   * API routes each bucket's calls to its account's client; `account`/`accountId` are then the default's.
   */
  accounts?: ReadonlyMap<string, string>;
}

/**
 * The sampler's ProgressReader over the replication API port (the same adapter and error translation
 * the replication service uses). Every call is measured and audited as an `oss-call` event the way
 * ReplicationService records a forwarded call — action, bucket ARN (region from the shared lookup,
 * `*` when unknown), operation, outcome status, OSS request id and error code, latency — under the
 * principal `gateway:sampler`, with the pass's request id.
 */
export class ReplicationApiProgressReader implements ProgressReader {
  constructor(
    private readonly api: ReplicationApi,
    private readonly regions: BucketRegionResolver,
    private readonly recorder: SamplerCallRecorder,
    private readonly options: ReplicationApiProgressReaderOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listRules(account: string, bucket: string, call: SamplerCall): Promise<Map<string, ListedRule>> {
    this.checkAccount(account);
    try {
      const { rules } = await this.forward(call, account, 'GetBucketReplication', bucket, (signal) =>
        this.api.listRules(bucket, signal),
      );
      return new Map(rules.map((r) => [r.id, { status: r.status, rtcStatus: r.rtc.status ?? null }]));
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.BucketNotFound) {
        return new Map();
      }
      throw error;
    }
  }

  async readProgress(
    account: string,
    bucket: string,
    ruleId: string,
    call: SamplerCall,
  ): Promise<ProgressReading | null> {
    this.checkAccount(account);
    try {
      const { progress } = await this.forward(
        call,
        account,
        'GetBucketReplicationProgress',
        bucket,
        (signal) => this.api.getProgress(bucket, ruleId, signal),
      );
      return {
        status: progress.status,
        historicalObjectProgress: progress.historicalObjectProgress,
        newObjectsReplicatedUntil: progress.newObjectsReplicatedUntil,
      };
    } catch (error) {
      if (
        error instanceof DomainError &&
        (error.code === ErrorCode.ReplicationRuleNotFound || error.code === ErrorCode.BucketNotFound)
      ) {
        return null;
      }
      throw error;
    }
  }

  private checkAccount(account: string): void {
    if (this.options.accounts?.has(account) === true) {
      return;
    }
    if (account !== this.options.account) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `The gateway has no OSS client for account "${account}" (only "${this.options.account}").`,
      );
    }
  }

  private async forward<T extends OssCallResult>(
    call: SamplerCall,
    account: string,
    operation: SamplerOperation,
    bucket: string,
    send: (signal?: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const time = this.now();
    const started = performance.now();
    try {
      const result = await send(call.signal);
      const latencyMs = performance.now() - started;
      this.recorder.observe(operation, '200', latencyMs / 1000);
      await this.record(call, account, operation, bucket, time, {
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
      this.recorder.observe(operation, oss?.code ?? String(status), latencyMs / 1000);
      await this.record(call, account, operation, bucket, time, {
        outcomeStatus: status,
        ...(oss?.requestId ? { ossRequestId: oss.requestId } : {}),
        ...(oss?.code ? { ossErrorCode: oss.code } : {}),
        latencyMs: roundMs(latencyMs),
      });
      throw error;
    }
  }

  private async record(
    call: SamplerCall,
    account: string,
    operation: SamplerOperation,
    bucket: string,
    time: Date,
    outcome: Pick<AuditEventInput, 'outcomeStatus' | 'ossRequestId' | 'ossErrorCode' | 'latencyMs'>,
  ): Promise<void> {
    this.recorder.audit({
      time,
      requestId: call.requestId,
      // The audit trail knows two transports; the sampler's calls come from neither, and `http` is
      // what they are on the wire (the principal says who made them).
      transport: 'http',
      kind: 'oss-call',
      principal: SAMPLER_PRINCIPAL,
      action: OPERATION_ACTIONS[operation],
      resource: await this.resourceOf(account, bucket),
      operation,
      dryRun: false,
      ...outcome,
    });
  }

  /** The bucket's ARN, with its region when the shared lookup knows it (else `*`). */
  private async resourceOf(account: string, bucket: string): Promise<string> {
    let region = '*';
    try {
      region = (await this.regions.locate(bucket)).location;
    } catch {
      // Unknown region (the bucket is gone, or the lookup failed): the ARN says `*`.
    }
    return bucketArn(region, this.options.accounts?.get(account) ?? this.options.accountId, bucket);
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
