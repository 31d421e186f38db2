import { OssClientError, OssServiceError } from '../errors.js';
import type { ClockSkew } from '../retry/clock-skew.js';
import type { RetryClassifier } from '../retry/retry-classifier.js';
import { classifyForRetry, DEFAULT_RETRY_CLASSIFIERS, fullJitterDelay } from '../retry/retry-classifier.js';
import type { Middleware, OssLogger } from './pipeline.js';

export interface RetryPolicy {
  /** Attempts in total, including the first (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
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

/**
 * Outermost middleware: runs attempts until success, a non-retryable error, `maxAttempts` or the
 * time budget. Network errors, timeouts, 5xx/408/429 and throttling codes back off with full
 * jitter; `RequestTimeTooSkewed` corrects the clock and retries at once. Every attempt goes
 * through the inner middlewares again, so it is signed again.
 */
export function retryMiddleware(options: RetryMiddlewareOptions): Middleware {
  const { policy } = options;
  const classifiers = options.classifiers ?? DEFAULT_RETRY_CLASSIFIERS;
  return (next) => async (ctx) => {
    const started = options.now();
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal?.aborted) {
        throw abortedError(ctx.signal);
      }
      const remaining = policy.totalBudgetMs - (options.now() - started);
      const timeoutMs = Math.max(1, Math.min(options.requestTimeoutMs, remaining));
      try {
        return await next({ ...ctx, attempt, timeoutMs });
      } catch (error) {
        if (ctx.signal?.aborted) {
          throw error instanceof OssClientError && error.code === 'Aborted'
            ? error
            : abortedError(ctx.signal);
        }
        const decision = classifyForRetry(error, classifiers);
        if (decision === 'fail' || attempt >= policy.maxAttempts) {
          throw error;
        }
        let delay = 0;
        if (decision === 'adjust-clock') {
          const serverTime = (error as OssServiceError).serverTime!;
          if (!options.clock.adjust(serverTime)) {
            // The clock was already corrected to this server time: retrying would fail the same way.
            throw error;
          }
        } else {
          delay = fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, options.random);
        }
        if (options.now() - started + delay >= policy.totalBudgetMs) {
          const reason =
            error instanceof OssServiceError || error instanceof OssClientError ? error.code : 'error';
          throw new OssClientError(
            'RetryBudgetExceeded',
            `Gave up after ${attempt} attempt(s) within the ${policy.totalBudgetMs} ms retry budget (last: ${reason})`,
            { cause: error },
          );
        }
        options.logger?.debug('oss request retry', {
          attempt,
          delayMs: delay,
          reason:
            error instanceof OssServiceError || error instanceof OssClientError ? error.code : 'unknown',
        });
        if (delay > 0) {
          await options.sleep(delay, ctx.signal);
        }
      }
    }
  };
}
