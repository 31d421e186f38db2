import type { TLSSocket } from 'node:tls';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AuditEventInput } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../common/errors/error-mapping.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import type { GatewayRequest, RequestFacts } from '../common/request-context/request-facts.js';
import { isBucketName, BUCKET_NAME_MESSAGE } from '../common/validation/is-bucket-name.js';
import { AUTHENTICATED } from '../request/endpoint.js';
import { dryRunOf } from '../request/stages/audit.stage.js';
import {
  type ActionRequirement,
  EACH_BUCKET_RESOURCE,
  type ResourceSelector,
} from './decorators/requires-action.decorator.js';
import { AUTH_CLOCK, type Clock } from './clock.js';
import type { Caller } from './caller/caller.js';
import { clientAddress, TrustedProxies } from './caller/client-address.js';
import { ACCOUNT_RESOLVER, type AccountResolver } from './ports/account-resolver.port.js';
import {
  BUCKET_REGION_RESOLVER,
  type BucketLocation,
  type BucketRegionResolver,
} from './ports/bucket-region-resolver.port.js';
import {
  bucketArn,
  couldAllow,
  evaluate,
  GATEWAY_ACTIONS,
  GATEWAY_RESOURCE,
  REPLICATION_ACTIONS,
  type ContextValue,
  type RequestContext,
  type Decision,
  type DecisionKind,
} from './ram/index.js';

/** The condition keys the gateway fills on every request (DESIGN.md §2). */
export const GatewayConditionKey = {
  SourceIp: 'acs:SourceIp',
  SecureTransport: 'acs:SecureTransport',
  CurrentTime: 'acs:CurrentTime',
  AccessId: 'acs:AccessId',
  UserAgent: 'acs:UserAgent',
} as const;

export interface RequestConditionContext {
  /** Built on first call (the RAM engine asks only when a statement has conditions), then reused. */
  context: () => Record<string, ContextValue>;
  sourceIp: string | undefined;
  userAgent: string | undefined;
}

export interface BucketPermissions {
  bucket: string;
  resource: string;
  actions: Array<{ action: string; decision: DecisionKind }>;
}

function isNoSuchBucket(error: unknown): boolean {
  if (error instanceof DomainError) {
    return error.code === ErrorCode.BucketNotFound;
  }
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'NoSuchBucket';
}

const MAX_USER_AGENT = 512;

/** Where the audit of a region lookup goes (the audit trail; absent in unit tests of the pipeline). */
type LookupAudit = Pick<AuditService, 'record'>;

/** The request a region lookup is made for: who asked, how, and for which action (its audit). */
interface LookupRequest {
  req: GatewayRequest;
  transport: RequestFacts['transport'];
  caller: Caller;
  action: string;
  dryRun: boolean;
}

/**
 * Builds what a decision needs (the resource ARN with the bucket's real region, the condition
 * context) and evaluates a caller's policies. The request pipeline's authorize stage and the
 * `me/permissions` route share it.
 */
@Injectable()
export class AuthorizationService {
  private readonly trusted: TrustedProxies;

  /** Lookups already audited (a promise shared by concurrent callers is one OSS call). */
  private readonly auditedLookups = new WeakSet<Promise<BucketLocation>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BUCKET_REGION_RESOLVER) private readonly regions: BucketRegionResolver,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Optional() @Inject(AuditService) private readonly audit?: LookupAudit,
    @Optional() @Inject(ACCOUNT_RESOLVER) private readonly accounts?: AccountResolver,
  ) {
    this.trusted = new TrustedProxies(config.server.trustedProxies);
  }

  /** The account id of the bucket's ARN: its owning account's (the default account's if none lists it). */
  private arnAccountOf(bucket: string): string {
    return this.accounts?.accountOf(bucket).arnAccountId ?? this.config.oss.accountId;
  }

  /** The ARN of a bucket whose region is unknown (for the audit of a failed region lookup). */
  unresolvedBucketResource(bucket: string): string {
    return bucketArn('*', this.arnAccountOf(bucket), bucket);
  }

  /**
   * `acs:oss:{region}:{account}:{bucket}`, at once when the bucket's location is cached; region `*`
   * when the bucket does not exist (NoSuchBucket, also remembered briefly). A lookup that answered
   * (a location or NoSuchBucket) is audited here as an `oss-call`; any other failure rejects, and the
   * caller (the authorize stage) audits it.
   */
  bucketResource(bucket: string, lookup: LookupRequest): string | Promise<string> {
    const arn = (location: string): string => bucketArn(location, this.arnAccountOf(bucket), bucket);
    if (this.regions.knownMissing?.(bucket) === true) {
      return arn('*');
    }
    const located = this.lookUp(bucket, lookup, isNoSuchBucket);
    if (!(located instanceof Promise)) {
      return arn(located.location);
    }
    return located.then(
      ({ location }) => arn(location),
      (error: unknown) => {
        if (!isNoSuchBucket(error)) {
          throw error;
        }
        return arn('*');
      },
    );
  }

  /**
   * Resolves a handler's resource selector against the request (REST params or GraphQL args/parent):
   * at once for a static resource or a bucket whose location is cached. Input errors (a bad bucket
   * name) throw before any lookup. When no statement of the caller's policies could allow the action
   * on any resource, the request is denied whatever the bucket's region: the bucket is not looked up
   * (nothing about it reaches OSS or the caller) and the resource is its ARN with region `*`.
   */
  resource(requirement: ActionRequirement, facts: RequestFacts, caller: Caller): string | Promise<string> {
    const selector = requirement.resource;
    if (selector.kind === 'static') {
      return selector.resource;
    }
    if (selector.kind === 'eachBucket') {
      // Decided per row by the handler (see decideEachBucket); nothing to look up here.
      return EACH_BUCKET_RESOURCE;
    }
    const bucket = this.selectedBucket(selector, facts);
    if (requirement.action !== AUTHENTICATED && !couldAllow(caller.policySet, requirement.action)) {
      return this.unresolvedBucketResource(bucket);
    }
    if (selector.kind === 'parentBucket') {
      // A parent that knows its bucket's ARN (a fleet row: the region comes from the inventory) needs no lookup.
      const known = (facts.parent as { bucketResource?: unknown } | undefined)?.bucketResource;
      if (typeof known === 'string' && known.startsWith('acs:oss:') && known.endsWith(`:${bucket}`)) {
        return known;
      }
    }
    return this.bucketResource(bucket, {
      req: facts.req,
      transport: facts.transport,
      caller,
      action: requirement.action,
      dryRun: dryRunOf(facts),
    });
  }

  /**
   * The bucket's location: at once when cached, else a GetBucketLocation, audited as an `oss-call`
   * when it answers and, for failures, when `auditFailure` says so. A bucket remembered as missing
   * rejects without a call (and without an audit event: nothing was forwarded).
   */
  private lookUp(
    bucket: string,
    lookup: LookupRequest,
    auditFailure: (error: unknown) => boolean,
  ): BucketLocation | Promise<BucketLocation> {
    const rememberedMissing = this.regions.knownMissing?.(bucket) === true;
    const located = this.regions.locate(bucket);
    // Concurrent callers share one lookup's promise: it is one OSS call, audited once.
    if (
      !(located instanceof Promise) ||
      rememberedMissing ||
      this.audit === undefined ||
      this.auditedLookups.has(located)
    ) {
      return located;
    }
    this.auditedLookups.add(located);
    const started = performance.now();
    return located.then(
      (found) => {
        this.recordLookup(lookup, bucketArn(found.location, this.arnAccountOf(bucket), bucket), started, {
          outcomeStatus: 200,
          ossRequestId: found.requestId,
        });
        return found;
      },
      (error: unknown) => {
        if (auditFailure(error)) {
          const failure = toDomainError(error);
          const oss = failure.details.oss;
          this.recordLookup(lookup, this.unresolvedBucketResource(bucket), started, {
            outcomeStatus: oss?.status ?? ERROR_MAPPING[failure.code].httpStatus,
            ...(oss?.code ? { ossErrorCode: oss.code } : {}),
            ...(oss?.requestId ? { ossRequestId: oss.requestId } : {}),
          });
        }
        throw error;
      },
    );
  }

  /** One `oss-call` event for a GetBucketLocation the gateway forwarded. */
  private recordLookup(
    lookup: LookupRequest,
    resource: string,
    started: number,
    outcome: Pick<AuditEventInput, 'outcomeStatus' | 'ossRequestId' | 'ossErrorCode'>,
  ): void {
    const { req, caller } = lookup;
    const { sourceIp, userAgent } = this.conditionContext(req, caller);
    const clientRequestId = req.gateway?.clientRequestId;
    this.audit?.record({
      time: this.clock(),
      requestId: String(req.id),
      ...(clientRequestId !== undefined ? { clientRequestId } : {}),
      transport: lookup.transport,
      kind: 'oss-call',
      principal: caller.principalId,
      ...(caller.keyId !== undefined ? { keyId: caller.keyId } : {}),
      ...(sourceIp !== undefined ? { sourceIp } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
      action: lookup.action,
      resource,
      operation: 'GetBucketLocation',
      ...outcome,
      latencyMs: Math.round(performance.now() - started),
      dryRun: lookup.dryRun,
    });
  }

  /** The bucket a selector names (for the audit of a failed lookup); undefined when there is none. */
  bucketNamedBy(selector: ResourceSelector, facts: RequestFacts): string | undefined {
    const bucket =
      selector.kind === 'bucket'
        ? (facts.params[selector.param] ?? facts.args[selector.param])
        : selector.kind === 'parentBucket'
          ? (facts.parent as { bucket?: unknown } | undefined)?.bucket
          : undefined;
    return typeof bucket === 'string' ? bucket : undefined;
  }

  private selectedBucket(
    selector: Extract<ResourceSelector, { kind: 'bucket' | 'parentBucket' }>,
    facts: RequestFacts,
  ): string {
    if (selector.kind === 'bucket') {
      const bucket = facts.params[selector.param] ?? facts.args[selector.param];
      if (!isBucketName(bucket)) {
        throw DomainError.validation([
          { field: selector.param, message: `${selector.param} ${BUCKET_NAME_MESSAGE}` },
        ]);
      }
      return bucket;
    }
    const parent = facts.parent as { bucket?: unknown } | undefined;
    const bucket = parent?.bucket;
    if (!isBucketName(bucket)) {
      // A programming error (the parent object does not carry its bucket): fail closed.
      throw new DomainError(
        ErrorCode.Internal,
        `The parent of ${facts.parentType ?? '?'}.${facts.fieldName ?? '?'} carries no bucket`,
      );
    }
    return bucket;
  }

  /** The caller's address as `acs:SourceIp` sees it (what anonymous requests are rate-limited by). */
  sourceIp(req: GatewayRequest): string | undefined {
    const socket = req.raw?.socket as TLSSocket | undefined;
    return clientAddress(socket?.remoteAddress, socket?.encrypted === true, req.headers, this.trusted)
      .sourceIp;
  }

  /**
   * `acs:SourceIp` (X-Forwarded-For only via trusted proxies), `acs:SecureTransport`, `acs:CurrentTime`,
   * `acs:AccessId`, `acs:UserAgent`, plus the handler's own keys (which may not override `acs:` keys).
   */
  conditionContext(
    req: GatewayRequest,
    caller: Caller,
    extra?: ReturnType<NonNullable<ActionRequirement['context']>>,
  ): RequestConditionContext {
    const socket = req.raw?.socket as TLSSocket | undefined;
    const { sourceIp, secure } = clientAddress(
      socket?.remoteAddress,
      socket?.encrypted === true,
      req.headers,
      this.trusted,
    );
    const rawAgent = req.headers['user-agent'];
    const userAgent =
      typeof rawAgent === 'string' && rawAgent !== '' ? rawAgent.slice(0, MAX_USER_AGENT) : undefined;
    const time = this.clock();
    let context: Record<string, ContextValue> | undefined;
    const build = (): Record<string, ContextValue> => {
      const built: Record<string, ContextValue> = {
        [GatewayConditionKey.CurrentTime]: time.toISOString(),
        [GatewayConditionKey.SecureTransport]: secure ? 'true' : 'false',
      };
      if (sourceIp !== undefined) {
        built[GatewayConditionKey.SourceIp] = sourceIp;
      }
      if (caller.keyId !== undefined) {
        built[GatewayConditionKey.AccessId] = caller.keyId;
      }
      if (userAgent !== undefined) {
        built[GatewayConditionKey.UserAgent] = userAgent;
      }
      if (extra !== undefined) {
        for (const [key, value] of Object.entries(extra)) {
          if (value !== undefined && !key.toLowerCase().startsWith('acs:')) {
            built[key] = value;
          }
        }
      }
      return built;
    };
    return { context: () => (context ??= build()), sourceIp, userAgent };
  }

  decide(
    caller: Caller,
    action: string,
    resource: string,
    context: RequestContext | (() => RequestContext),
  ): Decision {
    return evaluate(caller.policySet, { action, resource, context });
  }

  /**
   * The caller's decision for each of the six replication actions on a bucket (its ARN), then for
   * each of the gateway's own actions on the resource they are declared on (`*`). A bucket OSS does
   * not know is 404 BucketNotFound, like every other answer about a missing bucket — except for a
   * caller whose policies could allow none of the six actions on any bucket: its bucket is not looked
   * up (nothing about the bucket, not even whether it exists, is told to a caller who may do nothing
   * on it), and the six are decided on the ARN with region `*` (ImplicitDeny, or ExplicitDeny).
   */
  async permissionsOn(
    caller: Caller,
    bucket: string,
    req: GatewayRequest,
    transport: RequestFacts['transport'],
  ): Promise<BucketPermissions> {
    let resource: string;
    if (REPLICATION_ACTIONS.some((action) => couldAllow(caller.policySet, action))) {
      let location: string;
      try {
        const lookup = { req, transport, caller, action: AUTHENTICATED, dryRun: false };
        ({ location } = await this.lookUp(bucket, lookup, () => true));
      } catch (error) {
        throw toDomainError(error);
      }
      resource = bucketArn(location, this.arnAccountOf(bucket), bucket);
    } else {
      resource = this.unresolvedBucketResource(bucket);
    }
    const { context } = this.conditionContext(req, caller);
    const decide = (action: string, on: string) => ({
      action,
      decision: this.decide(caller, action, on, context).decision,
    });
    return {
      bucket,
      resource,
      actions: [
        ...REPLICATION_ACTIONS.map((action) => decide(action, resource)),
        ...GATEWAY_ACTIONS.map((action) => decide(action, GATEWAY_RESOURCE)),
      ],
    };
  }
}
