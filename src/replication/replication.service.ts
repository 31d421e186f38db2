import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AuditEventInput } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { ACCOUNT_RESOLVER, type AccountResolver } from '../auth/ports/account-resolver.port.js';
import {
  BUCKET_REGION_RESOLVER,
  type BucketRegionResolver,
} from '../auth/ports/bucket-region-resolver.port.js';
import { bucketArn, OssAction } from '../auth/ram/actions.js';
import { DomainError, ErrorCode, type FieldProblem } from '../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../common/errors/error-mapping.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CallContext } from './call-context.js';
import {
  chooseTransferType,
  type DestinationBucketFacts,
  preflightCreate,
  preflightRtc,
  type PreflightFinding,
} from './domain/preflight.js';
import {
  completeNewRule,
  isEquivalentRule,
  type NewReplicationRule,
  type NewReplicationRuleRequest,
  type ReplicationLocationsModel,
  type ReplicationProgressModel,
  type ReplicationRuleModel,
  ruleFromNew,
} from './domain/replication-rule.js';
import {
  type OssCallResult,
  type OssRequestPlan,
  REPLICATION_API,
  type ReplicationApi,
} from './ports/replication-api.port.js';
import { TtlCache } from './ttl-cache.js';

/**
 * The forwarded operations and the RAM action each is audited under. GetBucketLocation here is the
 * destination-bucket lookup of a create's pre-flight, audited under the action it serves (as the request
 * pipeline audits a failed source-bucket lookup under the handler's action).
 */
const OPERATION_ACTIONS = {
  GetBucketLocation: OssAction.PutBucketReplication,
  GetBucketReplication: OssAction.GetBucketReplication,
  PutBucketReplication: OssAction.PutBucketReplication,
  PutBucketRtc: OssAction.PutBucketRtc,
  DeleteBucketReplication: OssAction.DeleteBucketReplication,
  GetBucketReplicationProgress: OssAction.GetBucketReplicationProgress,
  GetBucketReplicationLocation: OssAction.GetBucketReplicationLocation,
} as const;
export type ReplicationOperation = keyof typeof OPERATION_ACTIONS;

/**
 * The operations that change OSS: their `oss-call` event is committed to the audit store before the
 * request is answered (success or failure alike); the reads' events are written in the background.
 */
const WRITE_OPERATIONS: ReadonlySet<ReplicationOperation> = new Set([
  'PutBucketReplication',
  'PutBucketRtc',
  'DeleteBucketReplication',
]);

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * How long pre-flight reuses a bucket's GetBucketReplicationLocation answer. It changes with the
 * regions OSS offers, never with the bucket's rules; a write OSS refuses forgets it at once.
 */
export const LOCATIONS_TTL_MS = 60_000;

export const REPLICATION_CLOCK = Symbol('REPLICATION_CLOCK');
export const RULE_ID_GENERATOR = Symbol('RULE_ID_GENERATOR');

/** What a dry run would send, with pre-flight's warnings and infos (its errors refuse the request instead). */
export interface DryRunPlan extends OssRequestPlan {
  findings: PreflightFinding[];
}

/** A mutation's answer: the rule it affected, and for a dry run the OSS request it would have sent. */
export interface RuleOutcome {
  rule: ReplicationRuleModel;
  /** Set on dry runs; `null` when the dry run would send nothing (a create that is an idempotent replay). */
  plan?: DryRunPlan | null;
}

export interface CreateOutcome extends RuleOutcome {
  /** False when the create was (or, in a dry run, would be) an idempotent retry of an existing, equivalent rule. */
  created: boolean;
}

/**
 * Replication management behind both transports. Depends on the ReplicationApi port, never on the
 * OSS client. Every forwarded OSS call is measured and audited (kind `oss-call`); every write is
 * preceded by pre-flight checks so OSS sees only requests that can succeed.
 */
@Injectable()
export class ReplicationService {
  private readonly now: () => Date;
  private readonly newRuleId: () => string;
  private readonly locationsCache = new TtlCache<string, { locations: ReplicationLocationsModel }>(
    LOCATIONS_TTL_MS,
    () => this.now().getTime(),
  );

  constructor(
    @Inject(REPLICATION_API) private readonly api: ReplicationApi,
    @Inject(BUCKET_REGION_RESOLVER) private readonly regions: BucketRegionResolver,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(REPLICATION_CLOCK) clock?: () => Date,
    @Optional() @Inject(RULE_ID_GENERATOR) ruleIds?: () => string,
    @Optional() @Inject(ACCOUNT_RESOLVER) private readonly accounts?: AccountResolver,
  ) {
    this.now = clock ?? (() => new Date());
    this.newRuleId = ruleIds ?? randomUUID;
  }

  private readonly changeListeners: Array<(bucket: string) => void> = [];

  /**
   * Calls `listener` with the bucket after every write made through the gateway that OSS accepted
   * (create, RTC, delete; not dry runs): the inventory re-reads that bucket. Listeners must not throw.
   */
  onRulesChanged(listener: (bucket: string) => void): void {
    this.changeListeners.push(listener);
  }

  /** The account id of the bucket's ARN: its owning account's (the default account's if none lists it). */
  private arnAccountOf(bucket: string): string {
    return this.accounts?.accountOf(bucket).arnAccountId ?? this.config.oss.accountId;
  }

  async list(ctx: CallContext, bucket: string): Promise<ReplicationRuleModel[]> {
    const { rules } = await this.read(ctx, 'GetBucketReplication', bucket, () =>
      this.forward(ctx, 'GetBucketReplication', bucket, false, (signal) =>
        this.api.listRules(bucket, signal),
      ),
    );
    return rules;
  }

  async get(ctx: CallContext, bucket: string, ruleId: string): Promise<ReplicationRuleModel> {
    return this.findRule(await this.list(ctx, bucket), bucket, ruleId);
  }

  async create(
    ctx: CallContext,
    bucket: string,
    request: NewReplicationRuleRequest,
    dryRun: boolean,
  ): Promise<CreateOutcome> {
    const requested = completeNewRule(request, request.id ?? this.newRuleId());
    const destinationBucket = requested.destination.bucket;
    const [current, locations, sourceLocation, destination] = await Promise.all([
      this.forward(ctx, 'GetBucketReplication', bucket, dryRun, (signal) =>
        this.api.listRules(bucket, signal),
      ),
      this.cachedLocations(ctx, bucket, dryRun),
      this.sourceLocation(bucket),
      destinationBucket === bucket
        ? Promise.resolve(undefined)
        : this.destinationBucket(ctx, destinationBucket, dryRun),
    ]);
    // The transfer type is chosen before the replay test: a retried create chose the same one.
    const chosen = chooseTransferType(requested, { sourceLocation, locations: locations.locations });
    const wanted = chosen.rule;

    const existing = current.rules.find((r) => r.id === wanted.id);
    if (existing) {
      const idInUse: FieldProblem & { code: string } = {
        field: 'id',
        message: `A rule with id "${wanted.id}" already exists with a different configuration or is closing.`,
        code: 'RuleIdInUse',
      };
      if (existing.status !== 'closing' && isEquivalentRule(existing, wanted)) {
        return dryRun ? { rule: existing, created: false, plan: null } : { rule: existing, created: false };
      }
      throw new DomainError(
        ErrorCode.ReplicationConflict,
        existing.status === 'closing'
          ? `Rule "${wanted.id}" of bucket "${bucket}" is being deleted (closing); retry once it is gone.`
          : `Bucket "${bucket}" already has a rule "${wanted.id}" with a different configuration.`,
        { errors: [idInUse] },
      );
    }

    if (destination instanceof DomainError) {
      // Neither found, missing nor unreadable (OSS failing, a timeout): pre-flight cannot tell the truth.
      throw destination;
    }
    const findings = preflightCreate(wanted, {
      sourceBucket: bucket,
      sourceLocation,
      locations: locations.locations,
      existingRules: current.rules,
      ...(destination !== undefined ? { destinationBucket: destination } : {}),
    });
    if (chosen.finding) {
      findings.push(chosen.finding);
    }
    this.throwFindings(bucket, findings);

    // Serialised in both modes: a rule the client cannot encode is refused before anything is sent.
    const plan = { ...this.api.planPutRule(bucket, wanted), findings };
    if (dryRun) {
      await this.recordDryRun(ctx, 'PutBucketReplication', bucket);
      return { rule: ruleFromNew(wanted), created: true, plan };
    }
    try {
      await this.forward(ctx, 'PutBucketReplication', bucket, false, (signal) =>
        this.api.putRule(bucket, wanted, signal),
      );
    } catch (error) {
      // A retry whose first attempt did reach OSS (answer lost), or a concurrent identical create,
      // is refused with BucketReplicationAlreadyExist although our rule id now exists: that is success.
      const replayed = await this.ruleCreatedDespite(ctx, bucket, wanted, error);
      if (!replayed) {
        throw error;
      }
      return { rule: replayed, created: false };
    }
    const after = await this.rulesAfterWrite(ctx, bucket);
    return { rule: after.find((r) => r.id === wanted.id) ?? ruleFromNew(wanted), created: true };
  }

  private async ruleCreatedDespite(
    ctx: CallContext,
    bucket: string,
    wanted: NewReplicationRule,
    error: unknown,
  ): Promise<ReplicationRuleModel | undefined> {
    if (!(error instanceof DomainError) || error.details.oss?.code !== 'BucketReplicationAlreadyExist') {
      return undefined;
    }
    const rules = await this.forward(ctx, 'GetBucketReplication', bucket, false, (signal) =>
      this.api.listRules(bucket, signal),
    );
    const mine = rules.rules.find((r) => r.id === wanted.id);
    return mine && mine.status !== 'closing' && isEquivalentRule(mine, wanted) ? mine : undefined;
  }

  async setRtc(
    ctx: CallContext,
    bucket: string,
    ruleId: string,
    enabled: boolean,
    dryRun: boolean,
  ): Promise<RuleOutcome> {
    const [current, locations, sourceLocation] = await Promise.all([
      this.forward(ctx, 'GetBucketReplication', bucket, dryRun, (signal) =>
        this.api.listRules(bucket, signal),
      ),
      enabled ? this.cachedLocations(ctx, bucket, dryRun) : Promise.resolve(undefined),
      enabled ? this.sourceLocation(bucket) : Promise.resolve(undefined),
    ]);
    const rule = this.findRule(current.rules, bucket, ruleId);
    this.throwFindings(
      bucket,
      preflightRtc(rule, enabled, {
        sourceLocation,
        locations: locations?.locations ?? { locations: [] },
      }),
    );

    const expected: ReplicationRuleModel = {
      ...rule,
      rtc: enabled
        ? { enabled: true, status: rule.rtc.status === 'enabled' ? 'enabled' : 'enabling' }
        : { enabled: false, status: 'disabled' },
    };
    if (dryRun) {
      await this.recordDryRun(ctx, 'PutBucketRtc', bucket);
      return { rule: expected, plan: { ...this.api.planSetRtc(bucket, ruleId, enabled), findings: [] } };
    }
    await this.forward(ctx, 'PutBucketRtc', bucket, false, (signal) =>
      this.api.setRtc(bucket, ruleId, enabled, signal),
    );
    const after = await this.rulesAfterWrite(ctx, bucket);
    return { rule: after.find((r) => r.id === ruleId) ?? expected };
  }

  async delete(ctx: CallContext, bucket: string, ruleId: string, dryRun: boolean): Promise<RuleOutcome> {
    const current = await this.forward(ctx, 'GetBucketReplication', bucket, dryRun, (signal) =>
      this.api.listRules(bucket, signal),
    );
    const rule = this.findRule(current.rules, bucket, ruleId);
    const closing: ReplicationRuleModel = { ...rule, status: 'closing' };
    if (dryRun) {
      await this.recordDryRun(ctx, 'DeleteBucketReplication', bucket);
      return { rule: closing, plan: { ...this.api.planDeleteRule(bucket, ruleId), findings: [] } };
    }
    await this.forward(ctx, 'DeleteBucketReplication', bucket, false, (signal) =>
      this.api.deleteRule(bucket, ruleId, signal),
    );
    const after = await this.rulesAfterWrite(ctx, bucket);
    const found = after.find((r) => r.id === ruleId);
    return { rule: found?.status === 'closing' ? found : closing };
  }

  async progress(ctx: CallContext, bucket: string, ruleId: string): Promise<ReplicationProgressModel> {
    const { progress } = await this.read(ctx, 'GetBucketReplicationProgress', `${bucket}/${ruleId}`, () =>
      this.forward(ctx, 'GetBucketReplicationProgress', bucket, false, (signal) =>
        this.api.getProgress(bucket, ruleId, signal),
      ),
    );
    return progress;
  }

  async locations(ctx: CallContext, bucket: string): Promise<ReplicationLocationsModel> {
    const { locations } = await this.read(ctx, 'GetBucketReplicationLocation', bucket, () =>
      this.forward(ctx, 'GetBucketReplicationLocation', bucket, false, (signal) =>
        this.api.getLocations(bucket, signal),
      ),
    );
    return locations;
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * A read made once per request and key (aliases and repeated fields share it); without a request
   * context (service-level callers) it is simply made. Writes and the re-reads after them never come here.
   */
  private read<T>(
    ctx: CallContext,
    operation: ReplicationOperation,
    key: string,
    fetch: () => Promise<T>,
  ): Promise<T> {
    return ctx.upstream ? ctx.upstream.read(operation, key, fetch) : fetch();
  }

  /** Pre-flight's GetBucketReplicationLocation, answered from the cache when it is fresh (nothing forwarded, nothing audited). */
  private cachedLocations(
    ctx: CallContext,
    bucket: string,
    dryRun: boolean,
  ): Promise<{ locations: ReplicationLocationsModel }> {
    return this.locationsCache.get(bucket, () =>
      this.forward(ctx, 'GetBucketReplicationLocation', bucket, dryRun, (signal) =>
        this.api.getLocations(bucket, signal),
      ),
    );
  }

  private findRule(
    rules: readonly ReplicationRuleModel[],
    bucket: string,
    ruleId: string,
  ): ReplicationRuleModel {
    const rule = rules.find((r) => r.id === ruleId);
    if (!rule) {
      throw new DomainError(
        ErrorCode.ReplicationRuleNotFound,
        `Bucket "${bucket}" has no replication rule "${ruleId}".`,
      );
    }
    return rule;
  }

  /** Re-read after a write so the answer shows OSS's state; a failed re-read does not undo the success. */
  private async rulesAfterWrite(ctx: CallContext, bucket: string): Promise<ReplicationRuleModel[]> {
    for (const listener of this.changeListeners) {
      listener(bucket);
    }
    try {
      const { rules } = await this.forward(ctx, 'GetBucketReplication', bucket, false, (signal) =>
        this.api.listRules(bucket, signal),
      );
      return rules;
    } catch {
      return [];
    }
  }

  /**
   * All error findings at once: 409 when every one is a conflict with existing state, else 400.
   * Warnings and infos pass (so when this returns, `findings` holds only those: a dry run shows them).
   */
  private throwFindings(bucket: string, findings: PreflightFinding[]): void {
    const failures = findings.filter((f) => f.severity === 'error');
    if (failures.length === 0) {
      return;
    }
    const errors: Array<FieldProblem & { code: string }> = failures.map((f) => ({
      field: f.field,
      message: f.message,
      code: f.code,
    }));
    const allConflicts = failures.every((f) => f.conflict);
    throw new DomainError(
      allConflicts ? ErrorCode.ReplicationConflict : ErrorCode.PreflightFailed,
      `Pre-flight checks for bucket "${bucket}" found ${failures.length} problem${failures.length === 1 ? '' : 's'}; nothing was sent to OSS.`,
      { errors },
    );
  }

  /**
   * GetBucketLocation of a rule's destination bucket, as pre-flight facts: its location, missing
   * (NoSuchBucket), or unreadable (AccessDenied: the gateway's credentials may not read it, e.g. a
   * bucket of another account — OSS still checks it on create). Any other failure is returned, not
   * thrown, so that an idempotent replay (which needs no check) is not failed by it.
   */
  private async destinationBucket(
    ctx: CallContext,
    bucket: string,
    dryRun: boolean,
  ): Promise<DestinationBucketFacts | DomainError> {
    try {
      const { location } = await this.forward(ctx, 'GetBucketLocation', bucket, dryRun, async () =>
        this.regions.locate(bucket),
      );
      return { kind: 'found', location };
    } catch (thrown) {
      // `forward` fails with domain errors only.
      const error = thrown as DomainError;
      if (error.code === ErrorCode.BucketNotFound) {
        return { kind: 'missing' };
      }
      return error.details.oss?.code === 'AccessDenied' ? { kind: 'unreadable' } : error;
    }
  }

  /** The source bucket's location for same-region checks; undefined when it cannot be learned. */
  private async sourceLocation(bucket: string): Promise<string | undefined> {
    try {
      return (await this.regions.locate(bucket)).location;
    } catch {
      return undefined;
    }
  }

  /** The bucket's ARN (region `*` when it cannot be learned): at once when its location is cached. */
  private resourceOf(bucket: string): string | Promise<string> {
    const arn = (location = '*'): string => bucketArn(location, this.arnAccountOf(bucket), bucket);
    let located;
    try {
      located = this.regions.locate(bucket);
    } catch {
      return arn();
    }
    return located instanceof Promise
      ? located.then(
          ({ location }) => arn(location),
          () => arn(),
        )
      : arn(located.location);
  }

  /** The dry run's `oss-call` event (what would have been sent), committed before the plan is answered. */
  private async recordDryRun(
    ctx: CallContext,
    operation: ReplicationOperation,
    bucket: string,
  ): Promise<void> {
    await this.audit.committed(await this.record(ctx, operation, bucket, this.now(), { dryRun: true }));
  }

  /**
   * One `oss-call` audit event; the resource ARN uses the bucket's (cached) region, `*` if unknown.
   * Answers the event's sequence number in the audit trail (once it is recorded).
   */
  private record(
    ctx: CallContext,
    operation: ReplicationOperation,
    bucket: string,
    time: Date,
    outcome: Pick<
      AuditEventInput,
      'outcomeStatus' | 'ossRequestId' | 'ossErrorCode' | 'latencyMs' | 'dryRun'
    >,
  ): number | Promise<number> {
    const emit = (resource: string): number => {
      // Built field by field rather than with conditional spreads: this runs for every OSS call.
      const event: AuditEventInput = {
        time,
        requestId: ctx.requestId,
        transport: ctx.transport,
        kind: 'oss-call',
        action: OPERATION_ACTIONS[operation],
        resource,
        operation,
        dryRun: outcome.dryRun,
      };
      if (ctx.clientRequestId !== undefined) {
        event.clientRequestId = ctx.clientRequestId;
      }
      if (ctx.principal !== undefined) {
        event.principal = ctx.principal;
      }
      if (ctx.keyId !== undefined) {
        event.keyId = ctx.keyId;
      }
      if (ctx.sourceIp !== undefined) {
        event.sourceIp = ctx.sourceIp;
      }
      if (ctx.userAgent !== undefined) {
        event.userAgent = ctx.userAgent;
      }
      if (outcome.outcomeStatus !== undefined) {
        event.outcomeStatus = outcome.outcomeStatus;
      }
      if (outcome.ossRequestId !== undefined) {
        event.ossRequestId = outcome.ossRequestId;
      }
      if (outcome.ossErrorCode !== undefined) {
        event.ossErrorCode = outcome.ossErrorCode;
      }
      if (outcome.latencyMs !== undefined) {
        event.latencyMs = outcome.latencyMs;
      }
      return this.audit.record(event);
    };
    // The location is usually cached: audit right away then, otherwise once it is known.
    const resource =
      operation === 'GetBucketLocation' && outcome.outcomeStatus !== 200
        ? // That lookup itself failed: asking again to name its resource would only repeat the failure.
          bucketArn('*', this.arnAccountOf(bucket), bucket)
        : this.resourceOf(bucket);
    return typeof resource === 'string' ? emit(resource) : resource.then(emit);
  }

  /**
   * Records a forwarded call's event: a write's is committed before this resolves (a failure to commit
   * fails the request with AuditUnavailable, even though OSS answered), a read's is queued.
   */
  private async recordCall(
    ctx: CallContext,
    operation: ReplicationOperation,
    bucket: string,
    time: Date,
    outcome: Parameters<ReplicationService['record']>[4],
  ): Promise<void> {
    const seq = this.record(ctx, operation, bucket, time, outcome);
    if (!WRITE_OPERATIONS.has(operation)) {
      if (seq instanceof Promise) {
        // Only a write waits for its event; a read's is recorded once its region is known.
        void seq.catch(() => undefined);
      }
      return;
    }
    try {
      await this.audit.committed(await seq);
    } catch (error) {
      const cause = error instanceof DomainError ? error : toDomainError(error);
      throw new DomainError(
        ErrorCode.AuditUnavailable,
        `${operation} was sent to OSS (answered ${outcome.outcomeStatus ?? '?'}), but its audit event could not be ` +
          'committed; the gateway keeps retrying it. Check the rule before retrying.',
        { retryAfterSeconds: this.audit.retryAfterSeconds },
        { cause },
      );
    }
  }

  /**
   * Runs one OSS call: charges it to the request's budget, cancels it (and its retries) with the
   * request, measures it, audits it, and turns failures into domain errors.
   */
  private async forward<T extends OssCallResult>(
    ctx: CallContext,
    operation: ReplicationOperation,
    bucket: string,
    dryRun: boolean,
    call: (signal?: AbortSignal) => Promise<T>,
  ): Promise<T> {
    // Charged before anything is sent: a call over the request's budget is not made (nor audited).
    ctx.upstream?.charge(operation, this.config.oss.maxCallsPerRequest);
    const time = this.now();
    const started = performance.now();
    let result: T;
    try {
      result = await call(ctx.upstream?.signal);
    } catch (thrown) {
      // Also an adapter that throws before it returns a promise: it fails like one that rejects.
      const latencyMs = performance.now() - started;
      const error = toDomainError(thrown);
      if (operation === 'PutBucketReplication' || operation === 'PutBucketRtc') {
        this.locationsCache.delete(bucket);
      }
      const oss = error.details.oss;
      const status = oss?.status ?? ERROR_MAPPING[error.code].httpStatus;
      this.metrics.ossCalls.observe({ operation, outcome: oss?.code ?? String(status) }, latencyMs / 1000);
      await this.recordCall(ctx, operation, bucket, time, {
        outcomeStatus: status,
        ...(oss?.requestId ? { ossRequestId: oss.requestId } : {}),
        ...(oss?.code ? { ossErrorCode: oss.code } : {}),
        latencyMs: roundMs(latencyMs),
        dryRun,
      });
      throw error;
    }
    const latencyMs = performance.now() - started;
    const status = 'alreadyClosing' in result && result.alreadyClosing === true ? 204 : 200;
    this.metrics.ossCalls.observe({ operation, outcome: String(status) }, latencyMs / 1000);
    await this.recordCall(ctx, operation, bucket, time, {
      outcomeStatus: status,
      ossRequestId: result.requestId,
      latencyMs: roundMs(latencyMs),
      dryRun,
    });
    return result;
  }
}
