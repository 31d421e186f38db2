import { CircuitOpenError, OssClientError, OssServiceError } from '../errors.js';
import type { ClockSkew } from '../retry/clock-skew.js';
import type { RetryClassifier, RetryReason } from '../retry/retry-classifier.js';
import {
  classifyForRetry,
  DEFAULT_RETRY_CLASSIFIERS,
  fullJitterDelay,
  halfJitterDelay,
} from '../retry/retry-classifier.js';
import type { RetryQuota } from '../retry/retry-quota.js';
import type { Middleware, OssLogger, OssResilienceObserver } from './pipeline.js';

export interface RetryPolicy {
  /** Attempts in total, including the first (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  /** Base of the longer back-off after throttling (`SlowDown`, 429, 503); default 5 × `baseDelayMs`. */
  throttleBaseDelayMs?: number;
  maxDelayMs: number;
  /** No new attempt starts (and no back-off sleep is begun) past this much time since the first attempt. */
  totalBudgetMs: number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryMiddlewareOptions {
  policy: RetryPolicy;
  /** Per-attempt cap on the transport timeout. */
  requestTimeoutMs: number;
  clock: ClockSkew;
  /** Elapsed-time source in ms (default: the injected clock, uncorrected). */
  now: () => number;
  sleep: Sleep;
  random: () => number;
  classifiers?: readonly RetryClassifier[];
  /** Shared by every call of the client: a retry is made only while it has tokens. */
  quota?: RetryQuota;
  observer?: OssResilienceObserver;
  logger?: OssLogger;
}

/** setTimeout-based sleep that rejects with `Aborted` when the signal fires. */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OssClientError('Aborted', 'The request was aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OssClientError('Aborted', 'The request was aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortedError(signal: AbortSignal): OssClientError {
  return new OssClientError('Aborted', 'The request was aborted', { cause: signal.reason });
}

/** Back-off before retry number `attempt` (1 = the first retry) after a failure of kind `reason`. */
function backoffDelay(
  reason: RetryReason,
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  switch (reason) {
    case 'adjust-clock':
      return 0;
    case 'throttling':
      return halfJitterDelay(
        attempt,
        policy.throttleBaseDelayMs ?? policy.baseDelayMs * 5,
        policy.maxDelayMs,
        random,
      );
    case 'transient':
    case 'server-error':
      return fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
  }
}

function codeOf(error: unknown): string {
  return error instanceof OssServiceError || error instanceof OssClientError ? error.code : 'error';
}

/**
 * Outermost middleware: runs attempts until success, a non-retryable error, `maxAttempts`, the time
 * budget or an empty retry quota. Network errors, timeouts and 5xx/408 back off with full jitter;
 * throttling (`SlowDown`, 429, 503) backs off longer (half jitter over a larger base);
 * `RequestTimeTooSkewed` corrects the clock and retries at once. Every attempt goes through the
 * inner middlewares again, so it is signed again. Nothing is retried, and no back-off sleep goes
 * on, once the call's signal has fired (its request was answered or abandoned).
 */
export function retryMiddleware(options: RetryMiddlewareOptions): Middleware {
  const { policy, quota, observer } = options;
  const classifiers = options.classifiers ?? DEFAULT_RETRY_CLASSIFIERS;
  return (next) => async (ctx) => {
    const started = options.now();
    /** Tokens the last retry took from the quota (refunded on success). */
    let lastRetryCost: number | undefined;
    /** The previous attempt's failure (kept when a breaker refuses the retry). */
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal?.aborted) {
        throw abortedError(ctx.signal);
      }
      const remaining = policy.totalBudgetMs - (options.now() - started);
      const timeoutMs = Math.max(1, Math.min(options.requestTimeoutMs, remaining));
      let response;
      try {
        response = await next({ ...ctx, attempt, timeoutMs });
      } catch (error) {
        if (ctx.signal?.aborted) {
          throw error instanceof OssClientError && error.code === 'Aborted'
            ? error
            : abortedError(ctx.signal);
        }
        if (error instanceof CircuitOpenError && error.cause === undefined && lastError !== undefined) {
          // The breaker refused this retry: answer with what OSS said to the attempt before.
          throw new CircuitOpenError({
            operation: error.operation,
            endpoint: error.endpoint,
            retryAfterMs: error.retryAfterMs,
            cause: lastError,
          });
        }
        lastError = error;
        const decision = classifyForRetry(error, classifiers);
        if (decision === 'fail' || attempt >= policy.maxAttempts) {
          throw error;
        }
        if (decision === 'adjust-clock') {
          const serverTime = (error as OssServiceError).serverTime!;
          if (!options.clock.adjust(serverTime)) {
            // The clock was already corrected to this server time: retrying would fail the same way.
            throw error;
          }
        }
        const delay = backoffDelay(decision, attempt, policy, options.random);
        if (options.now() - started + delay >= policy.totalBudgetMs) {
          throw new OssClientError(
            'RetryBudgetExceeded',
            `Gave up after ${attempt} attempt(s) within the ${policy.totalBudgetMs} ms retry budget (last: ${codeOf(error)})`,
            { cause: error },
          );
        }
        if (quota) {
          const cost = quota.acquire(decision);
          if (cost === undefined) {
            // Most calls are failing: the last failure answers, without a retry (AWS "standard" mode).
            observer?.retryQuotaExhausted?.({ operation: ctx.operation, reason: decision });
            options.logger?.debug('oss retry quota exhausted', { attempt, reason: codeOf(error) });
            throw error;
          }
          lastRetryCost = cost;
        }
        observer?.retried?.({ operation: ctx.operation, reason: decision, attempt, delayMs: delay });
        options.logger?.debug('oss request retry', { attempt, delayMs: delay, reason: codeOf(error) });
        if (delay > 0) {
          await options.sleep(delay, ctx.signal);
        }
        continue;
      }
      quota?.release(lastRetryCost);
      return response;
    }
  };
}
