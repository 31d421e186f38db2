import type { BreakerSnapshot } from '../breaker/circuit-breakers.js';
import type { HttpRequestSpec, OssHttpResponse } from '../operations/operation.js';
import type { RetryReason } from '../retry/retry-classifier.js';

/** One call travelling through the pipeline. */
export interface PipelineContext {
  spec: HttpRequestSpec;
  /** The OSS operation (`GetBucketReplication`; `Request` for generic requests): names retries and breakers. */
  operation: string;
  /** Region id the request is signed for and addressed to. */
  region: string;
  signal?: AbortSignal;
  /** Set by the retry middleware: 1, 2, … */
  attempt: number;
  /** Set by the retry middleware: time left for this attempt. */
  timeoutMs: number;
  /** Set by the sign middleware: a fresh, signed copy of `spec.headers` for this attempt. */
  headers: Record<string, string>;
}

export type Handler = (ctx: PipelineContext) => Promise<OssHttpResponse>;
export type Middleware = (next: Handler) => Handler;

/**
 * Composes middlewares around a terminal handler; the first middleware is the outermost.
 * The client uses the fixed order retry → circuit breaker → sign → check-response → transport.
 */
export function composePipeline(middlewares: readonly Middleware[], terminal: Handler): Handler {
  return middlewares.reduceRight<Handler>((next, middleware) => middleware(next), terminal);
}

/** Debug logging hook; never receives secrets. */
export interface OssLogger {
  debug(message: string, data?: Record<string, unknown>): void;
}

/**
 * Hooks for metrics and logs of the client's resilience (bounded values only: operation names,
 * endpoint hosts, retry reasons). All optional; they must not throw.
 */
export interface OssResilienceObserver {
  /** A retry is about to wait `delayMs` and go out. */
  retried?(event: { operation: string; reason: RetryReason; attempt: number; delayMs: number }): void;
  /** A retry was not made because the retry quota was too low. */
  retryQuotaExhausted?(event: { operation: string; reason: RetryReason }): void;
  /** An attempt was refused by an open (or probing) circuit breaker without being sent. */
  shortCircuited?(event: { operation: string; endpoint: string }): void;
  /** A breaker changed state. */
  breakerStateChanged?(event: BreakerSnapshot): void;
}
