import type { RequestFacts } from '../common/request-context/request-facts.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { Endpoint } from './endpoint.js';
import type { PipelineRequest, Stage } from './pipeline-request.js';
import type { Clock } from '../auth/clock.js';
import { type AuditTrail, auditGateStage, auditStage, type DecisionMetrics } from './stages/audit.stage.js';
import { type Authenticator, authenticateStage } from './stages/authenticate.stage.js';
import { type Authorization, authorizeStage, enforceStage } from './stages/authorize.stage.js';
import { type InputValidator, validateStage } from './stages/validate.stage.js';
import {
  anonymousRateLimitStage,
  chargeFailedAuthentication,
  type RateLimiter,
  rateLimitStage,
  type SourceIpOf,
} from './stages/rate-limit.stage.js';

/** The stages of the pipeline, by job; `run` takes them in the order DESIGN §5 gives. */
export interface PipelineStages {
  authenticate: Stage;
  /**
   * The edge limits (DESIGN §9: per principal, per source IP when anonymous), after authentication
   * and before the input is validated.
   */
  rateLimit: readonly Stage[];
  /** The source IP's charge for a request read without any credential (see `admitAnonymous`). */
  anonymousRateLimit: Stage;
  validate: Stage;
  /** Refuses changes while the audit trail cannot be written. */
  auditGate: Stage;
  authorize: Stage;
  audit: Stage;
  /** Refuses (403) what the caller's policies do not allow, once the decision is audited. */
  enforce: Stage;
}

/** Runs stages in order from `first`; waits only on a stage that answers with a promise. */
function runFrom(stages: readonly Stage[], first: number, request: PipelineRequest): true | Promise<true> {
  for (let i = first; i < stages.length; i += 1) {
    const pending = stages[i](request);
    if (pending !== undefined) {
      return pending.then(() => runFrom(stages, i + 1, request));
    }
  }
  return true;
}

/**
 * The one request pipeline (DESIGN §5) that every REST route and GraphQL resolver goes through:
 * authenticate → rate limit → validate → authorize → audit the decision. No Nest here: one global
 * guard adapts it (`nest/request-pipeline.guard.ts`).
 *
 * `run` answers `true` at once when every stage can (an API key, valid input, a cached bucket region),
 * and a promise of `true` as soon as one stage must wait; either way the same stages run in the same
 * order. A refusal is thrown (or rejected with) as a DomainError: 401, 429, 400, 503, 403.
 */
export class RequestPipeline {
  private readonly stages: readonly Stage[];
  private readonly authenticateOnly: readonly Stage[];
  /** The stages `admit` runs: authenticate and the rate limits. */
  private readonly admission: readonly Stage[];
  private readonly anonymousAdmission: readonly Stage[];
  /**
   * What `run` takes for a request `admit` has let through: authentication (which answers at once
   * with the caller it found) and the stages after the rate limits.
   */
  private readonly admitted: readonly Stage[];

  constructor(
    stages: PipelineStages,
    private readonly logger: { error(message: string): void },
  ) {
    this.authenticateOnly = [stages.authenticate];
    this.stages = [
      stages.authenticate,
      ...stages.rateLimit,
      stages.validate,
      stages.auditGate,
      stages.authorize,
      stages.audit,
      stages.enforce,
    ];
    const afterAdmission = 1 + stages.rateLimit.length;
    this.admission = this.stages.slice(0, afterAdmission);
    this.admitted = [stages.authenticate, ...this.stages.slice(afterAdmission)];
    this.anonymousAdmission = [stages.anonymousRateLimit];
  }

  run(endpoint: Endpoint, facts: RequestFacts): true | Promise<true> {
    switch (endpoint.access.kind) {
      case 'public':
        return true;
      case 'undeclared':
        this.logger.error(`${endpoint.name} declares neither @RequiresAction nor @Public: denied`);
        throw new DomainError(
          ErrorCode.AccessDenied,
          `The operation ${endpoint.name} declares no permission and is denied.`,
        );
      case 'requires':
        return runFrom(facts.req.gateway?.admitted === true ? this.admitted : this.stages, 0, {
          endpoint,
          requirement: endpoint.access.requirement,
          facts,
        });
    }
  }

  /**
   * The stages ahead of the body (DESIGN §5: authenticate, then rate limit), for a REST route that
   * requires a caller (others answer `true`): the HTTP edge runs them before the body is read, so a
   * request without valid credentials (401) or over its limit (429) is refused unread. The request
   * is marked admitted, and `run` goes on from the stage after the rate limits (with the caller found).
   */
  admit(endpoint: Endpoint, facts: RequestFacts): true | Promise<true> {
    if (endpoint.access.kind !== 'requires') {
      return true;
    }
    const admitted = (): true => {
      facts.req.gateway ??= {};
      facts.req.gateway.admitted = true;
      return true;
    };
    const pending = runFrom(this.admission, 0, {
      endpoint,
      requirement: endpoint.access.requirement,
      facts,
    });
    return pending === true ? admitted() : pending.then(admitted);
  }

  /**
   * For a request the edge reads without any credential (a GraphQL document while the explorer is
   * on, for introspection): its source IP's anonymous rate limit, before the body (429).
   */
  admitAnonymous(endpoint: Endpoint, facts: RequestFacts): true | Promise<true> {
    if (endpoint.access.kind !== 'requires') {
      return true;
    }
    return runFrom(this.anonymousAdmission, 0, { endpoint, requirement: endpoint.access.requirement, facts });
  }

  /**
   * Only the authenticate stage, for endpoints that require a caller (others answer `true`): the HTTP
   * edge runs it before a GraphQL document is read (each field is charged to the rate limits as it
   * resolves); the caller it finds is kept on the request, so the same stage in `run` answers at once
   * with it.
   */
  authenticate(endpoint: Endpoint, facts: RequestFacts): true | Promise<true> {
    if (endpoint.access.kind !== 'requires') {
      return true;
    }
    return runFrom(this.authenticateOnly, 0, { endpoint, requirement: endpoint.access.requirement, facts });
  }
}

/** What the stages of the gateway's pipeline are built from. */
export interface PipelineDependencies {
  authenticator: Authenticator;
  validator: InputValidator;
  authorization: Authorization;
  /** The rate limits (`RateLimitStage`); failed authentications are charged as anonymous. */
  rateLimiter: RateLimiter;
  /** The client address the rate limits key anonymous requests by. */
  sourceIpOf: SourceIpOf;
  audit: AuditTrail;
  metrics: DecisionMetrics;
  clock: Clock;
  logger: { error(message: string): void };
}

/** The gateway's pipeline: its stages, wired once. */
export function createRequestPipeline(deps: PipelineDependencies): RequestPipeline {
  return new RequestPipeline(
    {
      authenticate: chargeFailedAuthentication(
        authenticateStage(deps.authenticator),
        deps.rateLimiter,
        deps.sourceIpOf,
      ),
      rateLimit: [rateLimitStage(deps.rateLimiter, deps.sourceIpOf)],
      anonymousRateLimit: anonymousRateLimitStage(deps.rateLimiter, deps.sourceIpOf),
      validate: validateStage(deps.validator),
      auditGate: auditGateStage(deps.audit),
      authorize: authorizeStage(deps.authorization, deps.audit, deps.clock),
      audit: auditStage(deps.audit, deps.metrics, deps.clock),
      enforce: enforceStage,
    },
    deps.logger,
  );
}
