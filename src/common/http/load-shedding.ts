import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

/** What a shed request is told: come back in this many seconds. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 10;

/**
 * The routes that answer under pressure: the liveness probe (an orchestrator that sees it fail
 * restarts a process that is only busy, which makes an overload worse) and `/metrics` (the overload
 * must be visible). Readiness is shed like the API, so a load balancer sends traffic elsewhere.
 */
const NEVER_SHED = new Set(['/health/live', '/metrics']);

export interface LoadSheddingOptions {
  /** Mean event-loop delay over a sample (1 s) above which requests are shed; 0 turns the check off. */
  maxEventLoopDelayMs: number;
  /** Heap in use above which requests are shed; 0 turns the check off. */
  maxHeapUsedBytes: number;
  /** Resident set size above which requests are shed; 0 turns the check off. */
  maxRssBytes: number;
  /** Called once per shed request with what was over its threshold (for the metric). */
  onShed: (reason: string) => void;
}

const WHAT: Readonly<Record<string, string>> = {
  [underPressure.TYPE_EVENT_LOOP_DELAY]: 'its event loop lags',
  [underPressure.TYPE_HEAP_USED_BYTES]: 'its heap is nearly full',
  [underPressure.TYPE_RSS_BYTES]: 'its memory use is too high',
};

/**
 * Load shedding (DESIGN §9) with @fastify/under-pressure: while the event loop lags or memory runs
 * high, a new request is answered at once with 503 OVERLOADED and `Retry-After`, instead of queueing
 * behind the work that is already too much.
 */
export function installLoadShedding(fastify: FastifyInstance, options: LoadSheddingOptions): void {
  void fastify.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    maxRssBytes: options.maxRssBytes,
    retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
    pressureHandler: (req: FastifyRequest, reply: FastifyReply, type: string) => {
      if (NEVER_SHED.has(req.routeOptions.url ?? '')) {
        return; // answered as usual
      }
      options.onShed(type);
      sendProblem(
        reply,
        new DomainError(
          ErrorCode.Overloaded,
          `The gateway is overloaded (${WHAT[type] ?? type}); send the request again in ${OVERLOAD_RETRY_AFTER_SECONDS} s.`,
          { retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS },
        ),
        req.id,
      );
    },
  });
}
