import { OssClientError, OssServiceError } from '../errors.js';

/** `retry`: back off and try again; `adjust-clock`: correct the skew and retry at once; `fail`: give up. */
export type RetryDecision = 'retry' | 'adjust-clock' | 'fail';

export interface RetryClassifier {
  /** `undefined` = no opinion; the next classifier decides. */
  classify(error: unknown): RetryDecision | undefined;
}

/** A cancelled request is never retried. */
export const abortedClassifier: RetryClassifier = {
  classify: (error) => (error instanceof OssClientError && error.code === 'Aborted' ? 'fail' : undefined),
};

/** Connection failures and timeouts are retried. */
export const networkClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssClientError && (error.code === 'NetworkError' || error.code === 'Timeout')
      ? 'retry'
      : undefined,
};

const THROTTLING_CODES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'Throttling',
  'TooManyRequests',
  'RequestThrottled',
]);

/** OSS told us to slow down. */
export const throttlingClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssServiceError && (error.status === 429 || THROTTLING_CODES.has(error.code))
      ? 'retry'
      : undefined,
};

/** Server faults and request timeouts on the server side. */
export const serverFaultClassifier: RetryClassifier = {
  classify: (error) =>
    error instanceof OssServiceError && (error.status >= 500 || error.status === 408) ? 'retry' : undefined,
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
