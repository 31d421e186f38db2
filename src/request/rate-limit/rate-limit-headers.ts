import type { RateLimitClass } from './rate-limit-config.js';

/** What one consume told us, in the terms of the IETF httpapi RateLimit header fields. */
export interface RateLimitState {
  /** The policy name: the class the request was charged to. */
  readonly policy: RateLimitClass;
  /** Quota units of the window (`q`). */
  readonly quota: number;
  /** The window in seconds (`w`). */
  readonly windowSeconds: number;
  /** Units left in the current window (`r`). */
  readonly remaining: number;
  /** Milliseconds until the current window ends and the quota is whole again. */
  readonly resetMs: number;
}

/**
 * The response headers for one limiter answer (draft-ietf-httpapi-ratelimit-headers-11, structured
 * fields): `RateLimit-Policy: "read";q=200;w=2` and `RateLimit: "read";r=57;t=1`, plus `Retry-After`
 * (whole seconds, never 0) when the request was refused. `t` is rounded up, so a client that waits
 * `t` seconds never comes back early.
 */
export function rateLimitHeaders(state: RateLimitState, limited: boolean): Record<string, string> {
  const name = `"${state.policy}"`;
  const reset = resetSeconds(state.resetMs);
  const headers: Record<string, string> = {
    'ratelimit-policy': `${name};q=${state.quota};w=${state.windowSeconds}`,
    ratelimit: `${name};r=${Math.max(0, state.remaining)};t=${reset}`,
  };
  if (limited) {
    headers['retry-after'] = String(Math.max(1, reset));
  }
  return headers;
}

/** Milliseconds to whole seconds, rounded up (a reset 1 ms away is 1 s, not 0). */
export function resetSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
