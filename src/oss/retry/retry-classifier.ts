import { OssClientError, OssServiceError } from '../errors.js';

/**
 * What to do after a failed attempt. The three retryable kinds back off differently and cost the
 * retry quota differently: `throttling` (OSS said slow down: `SlowDown`, 429, 503) backs off longer;
 * `transient` (a connection reset, a timeout) costs more of the quota; `server-error` (another 5xx,
 * 408) is the ordinary case. `adjust-clock`: correct the skew and retry at once. `fail`: give up.
 */
export type RetryDecision = 'throttling' | 'transient' | 'server-error' | 'adjust-clock' | 'fail';

/** The decisions that retry. */
export type RetryReason = Exclude<RetryDecision, 'fail'>;

export interface RetryClassifier {
  /** `undefined` = no opinion; the next classifier decides. */
  classify(error: unknown): RetryDecision | undefined;
}

/** A cancelled request is never retried, nor one the circuit breaker refused. */
export const abortedClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssClientError && (error.code === 'Aborted' || error.code === 'CircuitOpen')
      ? 'fail'
      : undefined,
};

/** Connection failures and timeouts are retried. */
export const networkClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssClientError && (error.code === 'NetworkError' || error.code === 'Timeout')
      ? 'transient'
      : undefined,
};

const THROTTLING_CODES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'Throttling',
  'TooManyRequests',
  'RequestThrottled',
]);

/** OSS told us to slow down: a throttling code, 429, or 503 (OSS answers `SlowDown` with 503). */
export const throttlingClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssServiceError &&
    (error.status === 429 || error.status === 503 || THROTTLING_CODES.has(error.code))
      ? 'throttling'
      : undefined,
};

/** Server faults and request timeouts on the server side. */
export const serverFaultClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssServiceError && (error.status >= 500 || error.status === 408)
      ? 'server-error'
      : undefined,
};

/** Our clock is off: retry after correcting it, when the server told us its time. */
export const clockSkewClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssServiceError && error.code === 'RequestTimeTooSkewed'
      ? error.serverTime
        ? 'adjust-clock'
        : 'fail'
      : undefined,
};

export const DEFAULT_RETRY_CLASSIFIERS: readonly RetryClassifier[] = [
  abortedClassifier,
  clockSkewClassifier,
  networkClassifier,
  throttlingClassifier,
  serverFaultClassifier,
];

export function classifyForRetry(
  error: unknown,
  classifiers: readonly RetryClassifier[] = DEFAULT_RETRY_CLASSIFIERS,
): RetryDecision {
  for (const classifier of classifiers) {
    const decision = classifier.classify(error);
    if (decision !== undefined) {
      return decision;
    }
  }
  return 'fail';
}

/** Whether a failure says OSS (or the way to it) is unwell: what a circuit breaker counts. */
export function isUpstreamFailure(error: unknown): boolean {
  const decision = classifyForRetry(error);
  return decision === 'throttling' || decision === 'transient' || decision === 'server-error';
}

/** Full jitter: uniform in [0, min(maxDelay, base · 2^(attempt-1))). `attempt` starts at 1. */
export function fullJitterDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * cap);
}

/**
 * Half jitter, for throttling: uniform in [cap/2, cap) with cap = min(maxDelay, base · 2^(attempt-1)),
 * so a throttled retry always waits at least half its cap (full jitter may wait ~0).
 */
export function halfJitterDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(cap / 2 + (random() * cap) / 2);
}
