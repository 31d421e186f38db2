import type { RetryReason } from './retry-classifier.js';

export interface RetryQuotaOptions {
  /** Tokens in a full bucket (AWS SDKs: 500). 0 = no retries at all. */
  capacity: number;
  /** What a retry costs (AWS: 5). */
  retryCost?: number;
  /** What a retry after a connection failure or timeout costs (AWS: 10). */
  transientRetryCost?: number;
  /** What a success that needed no retry refunds (AWS: 1). */
  noRetryIncrement?: number;
}

export const DEFAULT_RETRY_QUOTA: Required<RetryQuotaOptions> = {
  capacity: 500,
  retryCost: 5,
  transientRetryCost: 10,
  noRetryIncrement: 1,
};

/**
 * The retry quota of the AWS SDKs' "standard" retry mode: one token bucket per client, shared by
 * every call. A retry takes `retryCost` tokens (`transientRetryCost` after a reset or timeout) and is
 * not made when the bucket holds fewer; a success refunds what its last retry took, or
 * `noRetryIncrement` when it needed none. While most calls succeed the bucket stays full; when most
 * fail it empties after capacity / cost retries and the client stops retrying (first attempts still
 * go out) until successes refill it. cockatiel has no such primitive; this is the whole of it.
 */
export class RetryQuota {
  private readonly options: Required<RetryQuotaOptions>;
  private tokens: number;

  constructor(options: RetryQuotaOptions = DEFAULT_RETRY_QUOTA) {
    this.options = { ...DEFAULT_RETRY_QUOTA, ...options };
    this.tokens = this.options.capacity;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  /** Tokens left. */
  get available(): number {
    return this.tokens;
  }

  /** Takes the tokens a retry after a failure of kind `reason` costs; `undefined` (nothing taken) when too few are left. */
  acquire(reason: RetryReason): number | undefined {
    const cost = reason === 'transient' ? this.options.transientRetryCost : this.options.retryCost;
    if (cost > this.tokens) {
      return undefined;
    }
    this.tokens -= cost;
    return cost;
  }

  /** After a successful call: refunds its last retry's cost, or `noRetryIncrement` when it made none. */
  release(lastRetryCost: number | undefined): void {
    this.tokens = Math.min(
      this.options.capacity,
      this.tokens + (lastRetryCost ?? this.options.noRetryIncrement),
    );
  }
}
