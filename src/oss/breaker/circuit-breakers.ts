import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { CircuitOpenError, OssClientError } from '../errors.js';
import { isUpstreamFailure } from '../retry/retry-classifier.js';

export interface CircuitBreakerOptions {
  /** Consecutive upstream failures (5xx, throttling, resets, timeouts) that open a breaker. */
  threshold: number;
  /** How long an open breaker refuses calls before it lets one probe through (half-open). */
  cooldownMs: number;
  /** At most this many (operation, endpoint) breakers; further endpoints share one per operation. */
  maxBreakers?: number;
}

export const DEFAULT_CIRCUIT_BREAKER: Required<CircuitBreakerOptions> = {
  threshold: 5,
  cooldownMs: 10_000,
  maxBreakers: 256,
};

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  operation: string;
  endpoint: string;
  state: BreakerState;
}

/** The endpoint label of the breakers past `maxBreakers` (keeps labels and memory bounded). */
export const OVERFLOW_ENDPOINT = 'other';

interface Entry {
  operation: string;
  endpoint: string;
  policy: CircuitBreakerPolicy;
  /** `Date.now()` when it last opened (cockatiel's clock). */
  openedAt: number;
}

function stateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}

function isAborted(error: unknown): boolean {
  return error instanceof OssClientError && error.code === 'Aborted';
}

/**
 * One cockatiel circuit breaker per (OSS operation, endpoint): a ConsecutiveBreaker that opens after
 * `threshold` upstream failures in a row; while open, calls fail at once with {@link CircuitOpenError}
 * (nothing is sent); after `cooldownMs` one call goes through as a probe (half-open) while the others
 * are still refused; its success closes the breaker, its failure opens it for another cool-down.
 *
 * Counted as failures: 5xx, throttling (`SlowDown`, 429), connection failures and timeouts. OSS's 4xx
 * answers (`NoSuchBucket`, `AccessDenied`, …) prove the endpoint answers: they count for nothing, and
 * close a half-open breaker. A probe the caller abandoned counts as a failure (nothing was learnt, and
 * closing on it would let the whole load through untested).
 */
export class CircuitBreakers {
  private readonly options: Required<CircuitBreakerOptions>;
  private readonly entries = new Map<string, Entry>();

  constructor(
    options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER,
    private readonly onStateChange?: (snapshot: BreakerSnapshot) => void,
  ) {
    this.options = { ...DEFAULT_CIRCUIT_BREAKER, ...options };
  }

  /**
   * Runs `call` through the breaker of (operation, endpoint).
   * @throws CircuitOpenError when the breaker refuses the call, or when this call's failure finds it
   *   open (then with that failure as `cause`): retrying would only be refused.
   */
  async execute<T>(
    operation: string,
    endpoint: string,
    call: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const entry = this.entryFor(operation, endpoint);
    if (entry.policy.state === CircuitState.HalfOpen) {
      // cockatiel would queue this call behind the probe; the gateway answers at once instead.
      throw this.refusal(entry);
    }
    try {
      return await entry.policy.execute(call, signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw this.refusal(entry);
      }
      if (entry.policy.state === CircuitState.Open && isUpstreamFailure(error)) {
        throw this.refusal(entry, error);
      }
      throw error;
    }
  }

  /** Every breaker made so far and its state (open stays open until a call after the cool-down probes). */
  snapshot(): BreakerSnapshot[] {
    return [...this.entries.values()].map((e) => ({
      operation: e.operation,
      endpoint: e.endpoint,
      state: stateName(e.policy.state),
    }));
  }

  /** Milliseconds until the breaker lets a probe through (0 when it would now). */
  private retryAfterMs(entry: Entry): number {
    if (entry.policy.state !== CircuitState.Open) {
      return 0;
    }
    return Math.max(0, entry.openedAt + this.options.cooldownMs - Date.now());
  }

  private refusal(entry: Entry, cause?: unknown): CircuitOpenError {
    return new CircuitOpenError({
      operation: entry.operation,
      endpoint: entry.endpoint,
      retryAfterMs: this.retryAfterMs(entry),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  private entryFor(operation: string, endpoint: string): Entry {
    let key = `${operation} ${endpoint}`;
    let entry = this.entries.get(key);
    if (entry) {
      return entry;
    }
    if (this.entries.size >= this.options.maxBreakers) {
      key = `${operation} ${OVERFLOW_ENDPOINT}`;
      endpoint = OVERFLOW_ENDPOINT;
      entry = this.entries.get(key);
      if (entry) {
        return entry;
      }
    }
    const policy = circuitBreaker(
      handleWhen(
        (error) => isUpstreamFailure(error) || (isAborted(error) && policy.state === CircuitState.HalfOpen),
      ),
      {
        halfOpenAfter: this.options.cooldownMs,
        breaker: new ConsecutiveBreaker(this.options.threshold),
      },
    );
    const created: Entry = { operation, endpoint, policy, openedAt: 0 };
    policy.onBreak(() => {
      created.openedAt = Date.now();
    });
    policy.onStateChange((state) => this.onStateChange?.({ operation, endpoint, state: stateName(state) }));
    this.entries.set(key, created);
    return created;
  }
}
