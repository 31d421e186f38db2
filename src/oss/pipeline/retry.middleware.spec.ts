import { describe, expect, it } from 'vitest';
import { ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { CircuitOpenError, OssClientError, OssServiceError } from '../errors.js';
import type { OssHttpResponse } from '../operations/operation.js';
import { ClockSkew } from '../retry/clock-skew.js';
import type { PipelineContext } from './pipeline.js';
import { RetryQuota } from '../retry/retry-quota.js';
import type { RetryMiddlewareOptions, RetryPolicy } from './retry.middleware.js';
import { defaultSleep, retryMiddleware } from './retry.middleware.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250, totalBudgetMs: 10_000 };

function harness(
  outcomes: (OssHttpResponse | Error)[],
  overrides: Partial<RetryPolicy> = {},
  extra: Partial<Pick<RetryMiddlewareOptions, 'quota' | 'observer' | 'sleep'>> = {},
) {
  let nowMs = Date.UTC(2025, 3, 17, 15, 0, 0);
  const clock = () => new Date(nowMs);
  const skew = new ClockSkew(clock);
  const sleeps: number[] = [];
  const attempts: PipelineContext[] = [];
  const handler = retryMiddleware({
    policy: { ...policy, ...overrides },
    requestTimeoutMs: 5000,
    clock: skew,
    now: () => nowMs,
    sleep: (ms) => {
      sleeps.push(ms);
      nowMs += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    ...extra,
  })((ctx) => {
    attempts.push(ctx);
    const next = outcomes.shift();
    if (!next) {
      throw new Error('no more outcomes');
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  });
  const ctx = (signal?: AbortSignal): PipelineContext => ({
    spec: { method: 'GET', query: [], headers: {} },
    operation: 'GetBucketReplication',
    region: 'cn-hangzhou',
    signal,
    attempt: 0,
    timeoutMs: 0,
    headers: {},
  });
  return { handler, ctx, sleeps, attempts, skew, advance: (ms: number) => (nowMs += ms) };
}

const network = () => new OssClientError('NetworkError', 'ECONNRESET');
const service = (status: number, code: string, serverTime?: Date) =>
  new OssServiceError({ status, code, message: code, serverTime });

describe(retryMiddleware.name, () => {
  it('retries network errors and 5xx with exponential full-jitter back-off', async () => {
    const h = harness([network(), service(500, 'InternalError'), service(502, 'BadGateway'), ossResponse()]);
    await expect(h.handler(h.ctx())).resolves.toMatchObject({ status: 200 });
    expect(h.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // random 0.5 × min(250, 100·2^(n-1))
    expect(h.sleeps).toEqual([50, 100, 125]);
  });

  it('backs off longer after SlowDown, 503 and 429 than after other retryable failures', async () => {
    const roomy = { maxDelayMs: 100_000, maxAttempts: 5 };
    const throttled = harness(
      [
        service(503, 'SlowDown'),
        service(503, 'ServiceUnavailable'),
        service(429, 'TooManyRequests'),
        ossResponse(),
      ],
      roomy,
    );
    await expect(throttled.handler(throttled.ctx())).resolves.toMatchObject({ status: 200 });
    // Half jitter over 5 × the base: 500·2^(n-1) × (0.5 + 0.5 × random 0.5)
    expect(throttled.sleeps).toEqual([375, 750, 1500]);
    const other = harness([service(500, 'InternalError'), network(), network(), ossResponse()], roomy);
    await other.handler(other.ctx());
    expect(other.sleeps).toEqual([50, 100, 200]);
    throttled.sleeps.forEach((ms, i) => expect(ms).toBeGreaterThan(other.sleeps[i]));
  });

  it('backs off after throttling from throttleBaseDelayMs when it is set', async () => {
    const h = harness([service(503, 'SlowDown'), ossResponse()], {
      throttleBaseDelayMs: 1000,
      maxDelayMs: 100_000,
    });
    await h.handler(h.ctx());
    expect(h.sleeps).toEqual([750]);
  });

  it('stops after maxAttempts and surfaces the last error', async () => {
    const h = harness([network(), network(), service(500, 'InternalError')], { maxAttempts: 3 });
    await expect(h.handler(h.ctx())).rejects.toMatchObject({ code: 'InternalError' });
    expect(h.attempts).toHaveLength(3);
  });

  it('does not retry client errors', async () => {
    const h = harness([service(403, 'AccessDenied')]);
    await expect(h.handler(h.ctx())).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(h.attempts).toHaveLength(1);
  });

  it('never retries an aborted request', async () => {
    const controller = new AbortController();
    const h = harness([network()]);
    controller.abort();
    await expect(h.handler(h.ctx(controller.signal))).rejects.toMatchObject({ code: 'Aborted' });
    expect(h.attempts).toHaveLength(0);
    const h2 = harness([new OssClientError('Aborted', 'aborted')]);
    await expect(h2.handler(h2.ctx())).rejects.toMatchObject({ code: 'Aborted' });
    expect(h2.attempts).toHaveLength(1);
  });

  it('stops retrying when the retry quota cannot pay, answering with the last failure', async () => {
    const quota = new RetryQuota({ capacity: 15 });
    const exhausted: string[] = [];
    const retried: string[] = [];
    const observer = {
      retried: (e: { reason: string }) => retried.push(e.reason),
      retryQuotaExhausted: (e: { reason: string }) => exhausted.push(e.reason),
    };
    const h = harness(
      [network(), service(500, 'InternalError'), network()],
      { maxAttempts: 10 },
      { quota, observer },
    );
    await expect(h.handler(h.ctx())).rejects.toMatchObject({ code: 'NetworkError' });
    // 15 tokens: a retry after the reset (10), one after the 500 (5); the next reset's retry (10) is refused.
    expect(h.attempts).toHaveLength(3);
    expect(quota.available).toBe(0);
    expect(retried).toEqual(['transient', 'server-error']);
    expect(exhausted).toEqual(['transient']);
  });

  it('refunds the quota on success: the last retry cost, or one token without retry', async () => {
    const quota = new RetryQuota({ capacity: 30 });
    const failing = harness([network(), network()], { maxAttempts: 2 }, { quota });
    await expect(failing.handler(failing.ctx())).rejects.toMatchObject({ code: 'NetworkError' });
    expect(quota.available).toBe(20);
    const recovering = harness([service(500, 'InternalError'), ossResponse()], {}, { quota });
    await recovering.handler(recovering.ctx());
    expect(quota.available).toBe(20);
    const clean = harness([ossResponse()], {}, { quota });
    await clean.handler(clean.ctx());
    expect(quota.available).toBe(21);
  });

  it('never retries a call the circuit breaker refused', async () => {
    const h = harness([new OssClientError('CircuitOpen', 'open')]);
    await expect(h.handler(h.ctx())).rejects.toMatchObject({ code: 'CircuitOpen' });
    expect(h.attempts).toHaveLength(1);
  });

  it('answers with the previous failure as the cause when the breaker refuses a retry', async () => {
    const refused = new CircuitOpenError({
      operation: 'GetBucketReplication',
      endpoint: 'e',
      retryAfterMs: 800,
    });
    const h = harness([service(503, 'SlowDown'), refused]);
    const error = await h.handler(h.ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ retryAfterMs: 800, cause: { code: 'SlowDown' } });
    expect(h.attempts).toHaveLength(2);
  });

  it('abandons the back-off and sends no retry once the request is answered during the sleep', async () => {
    const controller = new AbortController();
    const h = harness(
      [service(503, 'SlowDown'), ossResponse()],
      {},
      {
        // The answer goes out (the request's signal fires) while the retry waits.
        sleep: (ms, signal) => {
          const sleeping = defaultSleep(ms, signal);
          controller.abort();
          return sleeping;
        },
      },
    );
    await expect(h.handler(h.ctx(controller.signal))).rejects.toMatchObject({ code: 'Aborted' });
    expect(h.attempts).toHaveLength(1);
  });

  it('gives up with RetryBudgetExceeded when the next back-off would pass the time budget', async () => {
    const h = harness([network(), network(), network()], { totalBudgetMs: 120, maxAttempts: 10 });
    const error = await h.handler(h.ctx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RetryBudgetExceeded' });
    expect((error as OssClientError).cause).toMatchObject({ code: 'NetworkError' });
    expect(h.sleeps).toEqual([50]);
  });

  it('caps each attempt timeout by what is left of the budget', async () => {
    const h = harness([ossResponse()], { totalBudgetMs: 3000 });
    await h.handler(h.ctx());
    expect(h.attempts[0].timeoutMs).toBe(3000);
  });

  it('corrects the clock from the server time on RequestTimeTooSkewed and retries at once', async () => {
    const h = harness([]);
    const serverTime = new Date(Date.UTC(2025, 3, 17, 16, 0, 0));
    const outcomes = [service(403, 'RequestTimeTooSkewed', serverTime), ossResponse()];
    const handler = retryMiddleware({
      policy,
      requestTimeoutMs: 5000,
      clock: h.skew,
      now: () => 0,
      sleep: () => Promise.reject(new Error('must not sleep')),
      random: () => 0.5,
    })(() => {
      const next = outcomes.shift()!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    });
    await expect(handler(h.ctx())).resolves.toMatchObject({ status: 200 });
    expect(h.skew.offsetMs).toBe(3_600_000);
    expect(h.skew.now()).toEqual(serverTime);
  });

  it('fails RequestTimeTooSkewed without a server time or when the clock is already corrected', async () => {
    const h = harness([service(403, 'RequestTimeTooSkewed')]);
    await expect(h.handler(h.ctx())).rejects.toMatchObject({ code: 'RequestTimeTooSkewed' });
    const server = new Date(Date.UTC(2025, 3, 17, 16, 0, 0));
    const h2 = harness([
      service(403, 'RequestTimeTooSkewed', server),
      service(403, 'RequestTimeTooSkewed', server),
    ]);
    await expect(h2.handler(h2.ctx())).rejects.toMatchObject({ code: 'RequestTimeTooSkewed' });
    expect(h2.attempts).toHaveLength(2);
  });
});

describe('defaultSleep', () => {
  it('rejects with Aborted when the signal fires during the sleep', async () => {
    const controller = new AbortController();
    const pending = defaultSleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'Aborted' });
    await expect(defaultSleep(1, AbortSignal.abort())).rejects.toMatchObject({ code: 'Aborted' });
    await expect(defaultSleep(1)).resolves.toBeUndefined();
  });
});
