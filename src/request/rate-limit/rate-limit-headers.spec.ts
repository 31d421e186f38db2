import { describe, expect, it } from 'vitest';
import { rateLimitHeaders, resetSeconds } from './rate-limit-headers.js';

describe(rateLimitHeaders.name, () => {
  const read = { policy: 'read', quota: 200, windowSeconds: 2 } as const;

  it('describes the policy and what is left on an answer that was allowed', () => {
    expect(rateLimitHeaders({ ...read, remaining: 57, resetMs: 1_200 }, false)).toEqual({
      'ratelimit-policy': '"read";q=200;w=2',
      ratelimit: '"read";r=57;t=2',
    });
  });

  it('adds Retry-After, never 0, when refused', () => {
    expect(rateLimitHeaders({ ...read, remaining: 0, resetMs: 300 }, true)).toEqual({
      'ratelimit-policy': '"read";q=200;w=2',
      ratelimit: '"read";r=0;t=1',
      'retry-after': '1',
    });
    expect(rateLimitHeaders({ ...read, remaining: 0, resetMs: 0 }, true)['retry-after']).toBe('1');
  });

  it('names the anonymous policy and never reports a negative remainder', () => {
    const headers = rateLimitHeaders(
      { policy: 'anonymous', quota: 20, windowSeconds: 1, remaining: -3, resetMs: 999 },
      true,
    );
    expect(headers.ratelimit).toBe('"anonymous";r=0;t=1');
    expect(headers['ratelimit-policy']).toBe('"anonymous";q=20;w=1');
  });

  it('rounds the reset up to whole seconds', () => {
    expect([0, 1, 999, 1_000, 1_001, 59_999].map(resetSeconds)).toEqual([0, 1, 1, 1, 2, 60]);
  });
});
