import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { AuditEventInput } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../common/errors/error-mapping.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import {
  validateHandlerInput,
  validateHandlerInputSettled,
} from '../common/validation/handler-input.validator.js';
import { requestFacts, type RequestFacts } from '../common/request-context/request-facts.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuthorizationService } from './authorization.service.js';
import { CallerAuthenticator } from './caller/caller-authenticator.service.js';
import { AUTH_CLOCK, type Clock } from './clock.js';
import { IS_PUBLIC } from './decorators/public.decorator.js';
import {
  type ActionRequirement,
  AUTHENTICATED,
  REQUIRES_ACTION,
} from './decorators/requires-action.decorator.js';
import { GatewayAction } from './ram/actions.js';
import type { Decision } from './ram/index.js';
import type { Caller } from './caller/caller.js';

/** What the guard leaves on `req.gateway.decision` for the audit of forwarded calls. */
export interface RequestDecision extends Decision {
  action: string;
  resource: string;
}

const PUBLIC = Symbol('public');
const UNDECLARED = Symbol('undeclared');

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Actions that change nothing although their REST form is a POST. */
const READ_ONLY_ACTIONS = new Set<string>([GatewayAction.SimulatePolicy]);

function isMutation(context: ExecutionContext, facts: RequestFacts, action: string): boolean {
  if (READ_ONLY_ACTIONS.has(action)) {
    return false;
  }
  if (facts.transport === 'graphql') {
    const info = GqlExecutionContext.create(context).getInfo<{ operation?: { operation?: string } }>();
    return info.operation?.operation !== 'query';
  }
  return !READ_METHODS.has(facts.req.method.toUpperCase());
}

function dryRunOf(facts: RequestFacts): boolean {
  const fromQuery = facts.query.dryRun;
  const fromBody = (facts.body as { dryRun?: unknown } | undefined)?.dryRun;
  return facts.args.dryRun === true || fromBody === true || fromQuery === 'true' || fromQuery === '1';
}

/**
 * The one global guard, for REST and GraphQL (field resolvers included): deny by default, `@Public()`
 * opts out, `@RequiresAction` is authenticated, evaluated against the caller's RAM policies, counted
 * and audited (one event per decision). A denial is a 403 naming the action, resource and the
 * statements that decided it. While the audit store is down, mutations are refused (503).
 */
@Injectable()
export class RamGuard implements CanActivate {
  private readonly logger = new Logger(RamGuard.name);
  /** Each handler's declared permission, read from its metadata once. */
  private readonly requirements = new WeakMap<
    object,
    ActionRequirement | typeof PUBLIC | typeof UNDECLARED
  >();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: CallerAuthenticator,
    private readonly authorization: AuthorizationService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.decide(context, true);
  }

  /**
   * {@link canActivate} when the decision needs no await (an API key, input the validation fast path
   * settles, a cached bucket region): true, or the same exception. Undefined when it would need to
   * wait; nothing has been decided, audited or counted then. For the REST fast lane.
   */
  decideSettled(context: ExecutionContext): true | undefined {
    return this.decide(context, false);
  }

  /**
   * The usual request is decided without a single await; anything else takes the asynchronous path
   * (when `orWait`), in the same order: authenticate → validate → audit check → authorize.
   */
  private decide(context: ExecutionContext, orWait: true): true | Promise<boolean>;
  private decide(context: ExecutionContext, orWait: false): true | undefined;
  private decide(context: ExecutionContext, orWait: boolean): true | Promise<boolean> | undefined {
    const requirement = this.requirementOf(context);
    if (requirement === undefined) {
      return true;
    }
    const type = context.getType<GqlContextType>();
    if (type !== 'http' && type !== 'graphql') {
      throw new DomainError(ErrorCode.AccessDenied, `Transport ${type} is not supported.`);
    }
    const facts = requestFacts(context);
    const caller = this.authenticator.authenticateSettled(facts.req);
    if (caller === undefined || !validateHandlerInputSettled(context, facts)) {
      return orWait ? this.activateAsync(context, facts, requirement, caller) : undefined;
    }
    this.refuseMutationWhileAuditDown(context, facts, requirement);
    const resource = this.authorization.cachedResource(requirement.resource, facts);
    if (resource === undefined) {
      return orWait ? this.activateAsync(context, facts, requirement, caller) : undefined;
    }
    return this.authorize(facts, caller, requirement, resource);
  }

  /** The permission a handler declares; undefined for `@Public()`; denies a handler that declares neither. */
  private requirementOf(context: ExecutionContext): ActionRequirement | undefined {
    const handler = context.getHandler();
    let known = this.requirements.get(handler);
    if (known === undefined) {
      const targets = [handler, context.getClass()];
      const requirement = this.reflector.getAllAndOverride<ActionRequirement | undefined>(
        REQUIRES_ACTION,
        targets,
      );
      const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
      known = requirement ?? (isPublic ? PUBLIC : UNDECLARED);
      this.requirements.set(handler, known);
    }
    if (known === PUBLIC) {
      return undefined;
    }
    if (known === UNDECLARED) {
      const name = `${context.getClass().name}.${handler.name}`;
      this.logger.error(`${name} declares neither @RequiresAction nor @Public: denied`);
      throw new DomainError(
        ErrorCode.AccessDenied,
        `The operation ${name} declares no permission and is denied.`,
      );
    }
    return known;
  }

  private async activateAsync(
    context: ExecutionContext,
    facts: RequestFacts,
    requirement: ActionRequirement,
    settledCaller: Caller | undefined,
  ): Promise<boolean> {
    const caller = settledCaller ?? (await this.authenticator.authenticate(facts.req));
    // authenticate → validate input → authorize (DESIGN §5): bad input is a 400 for every caller.
    await validateHandlerInput(context, facts);
    this.refuseMutationWhileAuditDown(context, facts, requirement);
    // Input errors (a bad bucket name) throw here, as on the synchronous path: no lookup was made.
    let resource = this.authorization.cachedResource(requirement.resource, facts);
    if (resource === undefined) {
      try {
        resource = await this.authorization.resource(requirement.resource, facts);
      } catch (error) {
        // The bucket's region could not be discovered (OSS unreachable, refused…): no decision can be
        // made, so the call fails closed — and the forwarded GetBucketLocation is audited all the same.
        this.auditFailedLookup(facts, caller, requirement, error);
        throw error;
      }
    }
    return this.authorize(facts, caller, requirement, resource);
  }

  private refuseMutationWhileAuditDown(
    context: ExecutionContext,
    facts: RequestFacts,
    requirement: ActionRequirement,
  ): void {
    if (!this.audit.available && isMutation(context, facts, requirement.action)) {
      throw new DomainError(
        ErrorCode.AuditUnavailable,
        'The audit trail cannot be written right now, so changes are refused; reads still work. Try again shortly.',
      );
    }
  }

  /** Decides, records the decision (metrics and audit) and throws the 403 of anything but Allow. */
  private authorize(
    facts: RequestFacts,
    caller: Caller,
    requirement: ActionRequirement,
    resource: string,
  ): true {
    const {
      context: conditions,
      sourceIp,
      userAgent,
    } = this.authorization.conditionContext(facts.req, caller, requirement.context?.(facts));
    const decision: Decision =
      requirement.action === AUTHENTICATED
        ? { decision: 'Allow', matchedStatements: [], missingContextKeys: [] }
        : this.authorization.decide(caller, requirement.action, resource, conditions);

    const recorded: RequestDecision = { ...decision, action: requirement.action, resource };
    facts.req.gateway ??= {};
    facts.req.gateway.decision = recorded;
    if (sourceIp !== undefined) {
      facts.req.gateway.sourceIp = sourceIp;
    }
    this.metrics.decisions.inc({ action: requirement.action, decision: decision.decision });
    // Built field by field rather than with conditional spreads: this runs on every request.
    const event: AuditEventInput = {
      time: this.clock(),
      requestId: String(facts.req.id),
      transport: facts.transport,
      kind: 'decision',
      principal: caller.principalId,
      action: requirement.action,
      resource,
      decision: decision.decision,
      // A fresh array per evaluation, of frozen entries: safe to keep as it is.
      matchedStatements: decision.matchedStatements,
      operation:
        facts.transport === 'graphql'
          ? `${facts.parentType}.${facts.fieldName}`
          : `${facts.req.method} ${facts.req.routeOptions?.url ?? facts.req.url}`,
      dryRun: dryRunOf(facts),
    };
    if (caller.keyId !== undefined) {
      event.keyId = caller.keyId;
    }
    if (sourceIp !== undefined) {
      event.sourceIp = sourceIp;
    }
    if (userAgent !== undefined) {
      event.userAgent = userAgent;
    }
    this.audit.record(event);

    if (decision.decision !== 'Allow') {
      throw new DomainError(
        ErrorCode.AccessDenied,
        `Caller ${caller.principalId} may not ${requirement.action} on ${resource} (${decision.decision}).`,
        {
          authorization: {
            decision: decision.decision,
            action: requirement.action,
            resource,
            matchedStatements: decision.matchedStatements.map((m) => ({ ...m })),
            missingContextKeys: decision.missingContextKeys,
          },
        },
      );
    }
    return true;
  }

  private auditFailedLookup(
    facts: RequestFacts,
    caller: Caller,
    requirement: ActionRequirement,
    error: unknown,
  ): void {
    const failure = toDomainError(error);
    const bucket =
      requirement.resource.kind === 'bucket'
        ? (facts.params[requirement.resource.param] ?? facts.args[requirement.resource.param])
        : (facts.parent as { bucket?: unknown } | undefined)?.bucket;
    const { sourceIp, userAgent } = this.authorization.conditionContext(facts.req, caller);
    this.audit.record({
      time: this.clock(),
      requestId: String(facts.req.id),
      transport: facts.transport,
      kind: 'oss-call',
      principal: caller.principalId,
      ...(caller.keyId !== undefined ? { keyId: caller.keyId } : {}),
      ...(sourceIp !== undefined ? { sourceIp } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
      action: requirement.action,
      resource: this.authorization.unresolvedBucketResource(typeof bucket === 'string' ? bucket : '*'),
      operation: 'GetBucketLocation',
      outcomeStatus: failure.details.oss?.status ?? ERROR_MAPPING[failure.code].httpStatus,
      ...(failure.details.oss?.code ? { ossErrorCode: failure.details.oss.code } : {}),
      ...(failure.details.oss?.requestId ? { ossRequestId: failure.details.oss.requestId } : {}),
      dryRun: dryRunOf(facts),
    });
  }
}
