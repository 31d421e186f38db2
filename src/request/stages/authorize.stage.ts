import type { AuthorizationService } from '../../auth/authorization.service.js';
import type { Clock } from '../../auth/clock.js';
import type { Decision } from '../../auth/ram/index.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../../common/errors/error-mapping.js';
import { AUTHENTICATED } from '../endpoint.js';
import { callerOf, decisionOf, type PipelineRequest, type Stage } from '../pipeline-request.js';
import { type AuditTrail, dryRunOf } from './audit.stage.js';

/** What authorization needs of the AuthorizationService. */
export type Authorization = Pick<
  AuthorizationService,
  'resource' | 'conditionContext' | 'decide' | 'bucketNamedBy' | 'unresolvedBucketResource'
>;

/**
 * The bucket's region could not be discovered (OSS unreachable, refused…): no decision can be made,
 * so the request fails closed — and the GetBucketLocation that was forwarded is audited all the same.
 */
function recordFailedLookup(
  authorization: Authorization,
  audit: AuditTrail,
  clock: Clock,
  request: PipelineRequest,
  error: unknown,
): void {
  const { facts, requirement } = request;
  const caller = callerOf(request);
  // The lookup port fails with domain errors; anything else is the gateway's own failure.
  const failure =
    error instanceof DomainError ? error : new DomainError(ErrorCode.Internal, 'The bucket lookup failed');
  const bucket = authorization.bucketNamedBy(requirement.resource, facts) ?? '*';
  const { sourceIp, userAgent } = authorization.conditionContext(facts.req, caller);
  audit.record({
    time: clock(),
    requestId: String(facts.req.id),
    transport: facts.transport,
    kind: 'oss-call',
    principal: caller.principalId,
    ...(caller.keyId !== undefined ? { keyId: caller.keyId } : {}),
    ...(sourceIp !== undefined ? { sourceIp } : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
    action: requirement.action,
    resource: authorization.unresolvedBucketResource(bucket),
    operation: 'GetBucketLocation',
    outcomeStatus: failure.details.oss?.status ?? ERROR_MAPPING[failure.code].httpStatus,
    ...(failure.details.oss?.code ? { ossErrorCode: failure.details.oss.code } : {}),
    ...(failure.details.oss?.requestId ? { ossRequestId: failure.details.oss.requestId } : {}),
    dryRun: dryRunOf(facts),
  });
}

/** Evaluates the caller's policies on the resolved resource, with the request's condition context. */
function decide(authorization: Authorization, request: PipelineRequest, resource: string): void {
  const { facts, requirement } = request;
  const caller = callerOf(request);
  const {
    context: conditions,
    sourceIp,
    userAgent,
  } = authorization.conditionContext(facts.req, caller, requirement.context?.(facts));
  // An `eachBucket` listing is open to any authenticated caller: its handler decides each row.
  const decision: Decision =
    requirement.action === AUTHENTICATED || requirement.resource.kind === 'eachBucket'
      ? { decision: 'Allow', matchedStatements: [], missingContextKeys: [] }
      : authorization.decide(caller, requirement.action, resource, conditions);
  request.decision = { ...decision, action: requirement.action, resource };
  if (sourceIp !== undefined) {
    request.sourceIp = sourceIp;
  }
  if (userAgent !== undefined) {
    request.userAgent = userAgent;
  }
}

/**
 * authorize: resolves the handler's resource (the source bucket's ARN with its real region — at once
 * when the region is cached) and evaluates the caller's RAM policies on it. The decision is only
 * recorded here; the audit stage records it and {@link enforceStage} refuses anything but Allow.
 */
export function authorizeStage(authorization: Authorization, audit: AuditTrail, clock: Clock): Stage {
  return (request) => {
    // Input errors (a bad bucket name) throw here, before any lookup is made.
    const resource = authorization.resource(request.requirement, request.facts, callerOf(request));
    if (resource instanceof Promise) {
      return resource.then(
        (resolved) => decide(authorization, request, resolved),
        (error: unknown) => {
          recordFailedLookup(authorization, audit, clock, request, error);
          throw error;
        },
      );
    }
    decide(authorization, request, resource);
    return undefined;
  };
}

/** The 403 of anything but Allow, naming the action, the resource and the statements that decided it. */
export const enforceStage: Stage = (request) => {
  const decision = decisionOf(request);
  if (decision.decision !== 'Allow') {
    throw new DomainError(
      ErrorCode.AccessDenied,
      `Caller ${callerOf(request).principalId} may not ${decision.action} on ${decision.resource} (${decision.decision}).`,
      {
        authorization: {
          decision: decision.decision,
          action: decision.action,
          resource: decision.resource,
          matchedStatements: decision.matchedStatements.map((m) => ({ ...m })),
          missingContextKeys: decision.missingContextKeys,
        },
      },
    );
  }
};
