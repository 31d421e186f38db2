/**
 * The rate-limit stage of the request pipeline (DESIGN.md §5, §9): authenticate → **rate limit** →
 * validate → authorize → audit.
 *
 * Interface, for the pipeline:
 *
 * ```ts
 * const stage = RateLimitStage.create({ table: config.rateLimits.table, redisUrl: config.rateLimits.redisUrl, log });
 * const verdict = await stage.check({
 *   principal: caller && { id: caller.principalId, listed: caller.listed, rateLimits: caller.rateLimits },
 *   sourceIp,            // acs:SourceIp (after trusted proxies): the key when there is no principal
 *   action,              // the handler's RAM action (undefined for /v1/me and the like → read)
 *   units,               // REST: 1; GraphQL: the number of upstream-costing fields (min 1)
 * });
 * reply.headers(verdict.headers);              // RateLimit-Policy / RateLimit on every answer, Retry-After on 429
 * if (!verdict.allowed) throw stage.error(verdict);   // 429 RATE_LIMITED, problem+json / extensions
 * ```
 *
 * `check` never rejects and never throws: a store failure falls back to per-instance memory counters.
 * `stage.backend` is what the readiness check reports; `stage.close()` on shutdown.
 */
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { rateLimitClassOf } from './rate-limit-class.js';
import type { RateLimitClass, RateLimitOverrides, RateLimitTable } from './rate-limit-config.js';
import {
  type RateLimitBackend,
  RateLimitCounters,
  type RateLimitCountersOptions,
} from './rate-limit-counters.js';
import { type RateLimitState, rateLimitHeaders, resetSeconds } from './rate-limit-headers.js';

export interface RateLimitCheck {
  /** The authenticated caller; absent for a request without valid credentials (charged as anonymous). */
  readonly principal?: {
    readonly id: string;
    /** False for a JWT user known only by its groups: its key lives apart from listed principals'. */
    readonly listed?: boolean;
    /** The principal's own limits from the principals file. */
    readonly rateLimits?: RateLimitOverrides;
  };
  /** The client address; the key of anonymous requests. */
  readonly sourceIp?: string;
  /** The RAM action the request needs; decides the class of an authenticated request. */
  readonly action?: string;
  /** Units to charge (default 1). */
  readonly units?: number;
}

export interface RateLimitVerdict {
  readonly allowed: boolean;
  readonly class: RateLimitClass;
  /** `RateLimit-Policy` and `RateLimit` always; `Retry-After` when refused. Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Set when refused: whole seconds until the window ends. */
  readonly retryAfterSeconds?: number;
  readonly state: RateLimitState;
}

export interface RateLimitStageOptions extends RateLimitCountersOptions {
  table: RateLimitTable;
}

export class RateLimitStage {
  private constructor(
    private readonly table: RateLimitTable,
    private readonly counters: RateLimitCounters,
  ) {}

  static create(options: RateLimitStageOptions): RateLimitStage {
    const { table, ...counters } = options;
    return new RateLimitStage(table, new RateLimitCounters(counters));
  }

  /** Where the counters are: `redis`, `memory` (no REDIS_URL) or `memory (redis unreachable)`. */
  get backend(): RateLimitBackend {
    return this.counters.backend;
  }

  async check(request: RateLimitCheck): Promise<RateLimitVerdict> {
    const { principal } = request;
    let cls: RateLimitClass;
    let key: string;
    if (principal) {
      cls = rateLimitClassOf(request.action);
      key = `${principal.listed === false ? 'jwt' : 'p'}:${principal.id}`;
    } else {
      cls = 'anonymous';
      key = `ip:${request.sourceIp ?? 'unknown'}`;
    }
    const spec = (cls === 'anonymous' ? undefined : principal?.rateLimits?.[cls]) ?? this.table[cls];
    const { allowed, state } = await this.counters.consume(key, cls, spec, request.units ?? 1);
    return {
      allowed,
      class: cls,
      headers: rateLimitHeaders(state, !allowed),
      ...(allowed ? {} : { retryAfterSeconds: Math.max(1, resetSeconds(state.resetMs)) }),
      state,
    };
  }

  /** The 429 for a refused verdict: code RATE_LIMITED, `Retry-After`, the policy in the problem. */
  error(verdict: RateLimitVerdict): DomainError {
    const { policy, quota, windowSeconds } = verdict.state;
    const retryAfterSeconds = verdict.retryAfterSeconds ?? Math.max(1, resetSeconds(verdict.state.resetMs));
    return new DomainError(
      ErrorCode.RateLimited,
      `Rate limit exceeded: the ${policy} limit is ${quota} per ${windowSeconds} s; retry after ${retryAfterSeconds} s.`,
      { retryAfterSeconds, rateLimit: { policy, quota, windowSeconds } },
    );
  }

  /** Resolves once the Redis client is connected (at once without Redis). */
  whenRedisReady(): Promise<void> {
    return this.counters.whenRedisReady();
  }

  close(): Promise<void> {
    return this.counters.close();
  }
}
