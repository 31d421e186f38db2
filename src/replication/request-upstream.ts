import DataLoader from 'dataloader';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';

/** The variable that sets {@link RequestUpstream}'s budget (named in the error callers get). */
export const MAX_UPSTREAM_CALLS_VARIABLE = 'GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST';

/**
 * What one gateway request may still do upstream: its OSS-call budget, the reads it already made
 * (identical reads share one call) and the signal that cancels its pending calls and their retries
 * once the answer is settled or the client has gone.
 */
export class RequestUpstream {
  private readonly controller = new AbortController();
  /** The pending reads' fetches, until the loader runs them. */
  private readonly fetches = new Map<string, () => Promise<unknown>>();
  // batch: false — OSS has no multi-bucket reads: the loader is the request-scoped read cache only.
  // A failed key is an Error value (DataLoader's contract), which it rejects that key's loads with.
  private readonly loader = new DataLoader<string, unknown>(
    (keys) => Promise.all(keys.map((key) => this.fetchOne(key))),
    { batch: false },
  );
  private calls = 0;

  /** Aborted when the response is finished or the client disconnected. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** OSS calls charged to this request so far. */
  get callCount(): number {
    return this.calls;
  }

  /** Cancels what is still pending (idempotent). */
  cancel(): void {
    this.controller.abort();
  }

  /** Charges one OSS call, or fails with `UpstreamBudgetExceeded` when `maxCalls` are spent. */
  charge(operation: string, maxCalls: number): void {
    if (this.calls >= maxCalls) {
      throw new DomainError(
        ErrorCode.UpstreamBudgetExceeded,
        `This request needs more than ${maxCalls} OSS calls; ${operation} was not sent. Ask for fewer fields or buckets per request.`,
        { limit: { name: MAX_UPSTREAM_CALLS_VARIABLE, max: maxCalls } },
      );
    }
    this.calls += 1;
  }

  /**
   * A read, made once per request for each `key` of `operation` (however many aliases or fields ask
   * for it): the first caller's `fetch` runs, the others share its answer or its failure.
   */
  read<T>(operation: string, key: string, fetch: () => Promise<T>): Promise<T> {
    const cacheKey = `${operation}\n${key}`;
    if (!this.fetches.has(cacheKey)) {
      this.fetches.set(cacheKey, fetch);
    }
    return this.loader.load(cacheKey) as Promise<T>;
  }

  private async fetchOne(cacheKey: string): Promise<unknown> {
    const fetch = this.fetches.get(cacheKey)!;
    this.fetches.delete(cacheKey);
    try {
      return await fetch();
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
