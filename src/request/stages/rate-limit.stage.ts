import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest, RequestFacts } from '../../common/request-context/request-facts.js';
import type { RateLimitCheck, RateLimitVerdict } from '../rate-limit/rate-limit.stage.js';
import { AUTHENTICATED } from '../endpoint.js';
import { callerOf, type Stage } from '../pipeline-request.js';

/** What the pipeline needs of the rate limiter (`RateLimitStage`): a verdict, and the 429 of a refusal. */
export interface RateLimiter {
  /** `RateLimitStage` always answers with a promise; a limiter that knows at once may answer at once. */
  check(request: RateLimitCheck): RateLimitVerdict | Promise<RateLimitVerdict>;
  error(verdict: RateLimitVerdict): DomainError;
}

/** The client address (`acs:SourceIp`, X-Forwarded-For only via trusted proxies): the key of anonymous requests. */
export type SourceIpOf = (req: GatewayRequest) => string | undefined;

/** `RateLimit-Policy` / `RateLimit` on every answer, `Retry-After` on a 429 (GraphQL: when a reply is at hand). */
function applyVerdict(limiter: RateLimiter, facts: RequestFacts, verdict: RateLimitVerdict): void {
  if (facts.reply !== undefined && !facts.reply.sent) {
    facts.reply.headers(verdict.headers);
  }
  if (!verdict.allowed) {
    throw limiter.error(verdict);
  }
}

/**
 * rate limit (DESIGN §9): charges one unit per REST request and per GraphQL resolver that declares an
 * action (public fields never reach the pipeline) to the caller's bucket of the action's class; over
 * the limit it refuses with 429 RATE_LIMITED, before the input is validated.
 */
export function rateLimitStage(limiter: RateLimiter, sourceIpOf: SourceIpOf): Stage {
  return (request) => {
    const caller = callerOf(request);
    const { action } = request.requirement;
    const check: RateLimitCheck = {
      principal: {
        id: caller.principalId,
        listed: caller.listed,
        ...(caller.rateLimits !== undefined ? { rateLimits: caller.rateLimits } : {}),
      },
      sourceIp: sourceIpOf(request.facts.req),
      // `/v1/me` and the like need no action of their own: charged as reads.
      ...(action === AUTHENTICATED ? {} : { action }),
      units: 1,
    };
    const verdict = limiter.check(check);
    if (verdict instanceof Promise) {
      return verdict.then((known) => applyVerdict(limiter, request.facts, known));
    }
    applyVerdict(limiter, request.facts, verdict);
    return undefined;
  };
}

/**
 * The anonymous charge of a request that presents no credential at all and may still be read (a
 * GraphQL document while the explorer is on): one unit of its source IP's `anonymous` limit.
 */
export function anonymousRateLimitStage(limiter: RateLimiter, sourceIpOf: SourceIpOf): Stage {
  return (request) => {
    const verdict = limiter.check({ sourceIp: sourceIpOf(request.facts.req) });
    if (verdict instanceof Promise) {
      return verdict.then((known) => applyVerdict(limiter, request.facts, known));
    }
    applyVerdict(limiter, request.facts, verdict);
    return undefined;
  };
}

/**
 * Wraps authentication so that a request refused with 401 is charged to the anonymous class of its
 * source IP: guessing keys is slowed to the anonymous rate, and once over it the answer is 429
 * instead of 401 (it no longer tells whether the guess was right).
 */
export function chargeFailedAuthentication(
  authenticate: Stage,
  limiter: RateLimiter,
  sourceIpOf: SourceIpOf,
): Stage {
  return (request) => {
    const charge = async (error: unknown): Promise<never> => {
      if (error instanceof DomainError && error.code === ErrorCode.Unauthenticated) {
        applyVerdict(
          limiter,
          request.facts,
          await limiter.check({ sourceIp: sourceIpOf(request.facts.req) }),
        );
      }
      throw error;
    };
    let pending: void | Promise<void>;
    try {
      pending = authenticate(request);
    } catch (error) {
      return charge(error);
    }
    return pending?.catch(charge);
  };
}
