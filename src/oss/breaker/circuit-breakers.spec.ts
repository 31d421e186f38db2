import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError, OssClientError, OssServiceError } from '../errors.js';
import { type BreakerSnapshot, CircuitBreakers, OVERFLOW_ENDPOINT } from './circuit-breakers.js';

const OP = 'GetBucketReplication';
const HANGZHOU = 'oss-cn-hangzhou.aliyuncs.com';
const BEIJING = 'oss-cn-beijing.aliyuncs.com';

const service = (status: number, code: string) => new OssServiceError({ status, code, message: code });
const reset = () => new OssClientError('NetworkError', 'ECONNRESET');

/** A call that counts how often it really ran (i.e. reached "OSS"). */
function upstream(outcome: () => Promise<string>) {
  const fn = vi.fn(outcome);
  return fn;
}

const failWith = (error: Error) => upstream(() => Promise.reject(error));
const succeed = () => upstream(() => Promise.resolve('ok'));

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe(CircuitBreakers.name, () => {
  beforeEach(() => {
    // cockatiel reads Date.now(): a fake Date moves its cool-down (and ours) by hand.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 0));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after `threshold` consecutive 5xx, then refuses at once without calling, naming the wait', async () => {
    const breakers = new CircuitBreakers({ threshold: 3, cooldownMs: 10_000 });
    const call = failWith(service(503, 'ServiceUnavailable'));
    expect(await outcome(breakers.execute(OP, HANGZHOU, call))).toBeInstanceOf(OssServiceError);
    expect(await outcome(breakers.execute(OP, HANGZHOU, call))).toBeInstanceOf(OssServiceError);
    // The third failure opens it: that call did reach OSS, and says so through its cause.
    const tripped = await outcome(breakers.execute(OP, HANGZHOU, call));
    expect(tripped).toBeInstanceOf(CircuitOpenError);
    expect((tripped as CircuitOpenError).cause).toMatchObject({ code: 'ServiceUnavailable' });
    expect(call).toHaveBeenCalledTimes(3);

    vi.advanceTimersByTime(4_000);
    const refused = await outcome(breakers.execute(OP, HANGZHOU, call));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({
      code: 'CircuitOpen',
      operation: OP,
      endpoint: HANGZHOU,
      retryAfterMs: 6_000,
    });
    expect((refused as CircuitOpenError).cause).toBeUndefined();
    expect(call).toHaveBeenCalledTimes(3);
    expect(breakers.snapshot()).toEqual([{ operation: OP, endpoint: HANGZHOU, state: 'open' }]);
  });

  it('counts SlowDown, resets and timeouts as failures', async () => {
    const breakers = new CircuitBreakers({ threshold: 3, cooldownMs: 10_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(service(503, 'SlowDown'))));
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    await outcome(breakers.execute(OP, HANGZHOU, failWith(new OssClientError('Timeout', 'slow'))));
    expect(breakers.snapshot()[0].state).toBe('open');
  });

  it('never opens on OSS 4xx answers such as NoSuchBucket and AccessDenied', async () => {
    const breakers = new CircuitBreakers({ threshold: 2, cooldownMs: 10_000 });
    const missing = failWith(service(404, 'NoSuchBucket'));
    const denied = failWith(service(403, 'AccessDenied'));
    for (let i = 0; i < 5; i += 1) {
      expect(await outcome(breakers.execute(OP, HANGZHOU, missing))).toMatchObject({ code: 'NoSuchBucket' });
      expect(await outcome(breakers.execute(OP, HANGZHOU, denied))).toMatchObject({ code: 'AccessDenied' });
    }
    expect(missing).toHaveBeenCalledTimes(5);
    expect(denied).toHaveBeenCalledTimes(5);
    expect(breakers.snapshot()[0].state).toBe('closed');
  });

  it('a success resets the count of consecutive failures', async () => {
    const breakers = new CircuitBreakers({ threshold: 2, cooldownMs: 10_000 });
    for (let i = 0; i < 4; i += 1) {
      await outcome(breakers.execute(OP, HANGZHOU, failWith(service(500, 'InternalError'))));
      await breakers.execute(OP, HANGZHOU, succeed());
    }
    expect(breakers.snapshot()[0].state).toBe('closed');
  });

  it('after the cool-down lets one probe through, refuses the others meanwhile, and closes on its success', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 5_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    vi.advanceTimersByTime(5_000);

    let finishProbe!: (value: string) => void;
    const probe = upstream(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    const probing = breakers.execute(OP, HANGZHOU, probe);
    expect(breakers.snapshot()[0].state).toBe('half-open');
    const other = succeed();
    const refused = await outcome(breakers.execute(OP, HANGZHOU, other));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(other).not.toHaveBeenCalled();

    finishProbe('ok');
    await expect(probing).resolves.toBe('ok');
    expect(breakers.snapshot()[0].state).toBe('closed');
    await expect(breakers.execute(OP, HANGZHOU, other)).resolves.toBe('ok');
  });

  it('opens again for a whole cool-down when the probe fails', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 5_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    vi.advanceTimersByTime(5_000);
    const probe = failWith(service(503, 'SlowDown'));
    expect(await outcome(breakers.execute(OP, HANGZHOU, probe))).toBeInstanceOf(CircuitOpenError);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(await outcome(breakers.execute(OP, HANGZHOU, probe))).toMatchObject({ retryAfterMs: 5_000 });
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('closes on a probe answered with a 4xx (OSS answers), and reopens on a probe the caller abandoned', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 1_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    vi.advanceTimersByTime(1_000);
    await outcome(breakers.execute(OP, HANGZHOU, failWith(service(404, 'NoSuchBucket'))));
    expect(breakers.snapshot()[0].state).toBe('closed');

    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    vi.advanceTimersByTime(1_000);
    await outcome(breakers.execute(OP, HANGZHOU, failWith(new OssClientError('Aborted', 'gone'))));
    expect(breakers.snapshot()[0].state).toBe('open');
  });

  it('does not count a call its caller abandoned while closed', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 1_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(new OssClientError('Aborted', 'gone'))));
    expect(breakers.snapshot()[0].state).toBe('closed');
  });

  it('keeps one breaker per operation and endpoint', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 10_000 });
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    await expect(breakers.execute(OP, BEIJING, succeed())).resolves.toBe('ok');
    await expect(breakers.execute('GetBucketReplicationProgress', HANGZHOU, succeed())).resolves.toBe('ok');
    expect(breakers.snapshot()).toEqual([
      { operation: OP, endpoint: HANGZHOU, state: 'open' },
      { operation: OP, endpoint: BEIJING, state: 'closed' },
      { operation: 'GetBucketReplicationProgress', endpoint: HANGZHOU, state: 'closed' },
    ]);
  });

  it('bounds the number of breakers: endpoints past the limit share one per operation', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 10_000, maxBreakers: 2 });
    for (const endpoint of ['a.example', 'b.example', 'c.example', 'd.example']) {
      await breakers.execute(OP, endpoint, succeed());
    }
    expect(breakers.snapshot().map((s) => s.endpoint)).toEqual(['a.example', 'b.example', OVERFLOW_ENDPOINT]);
  });

  it('reports each state change', async () => {
    const changes: BreakerSnapshot[] = [];
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: 1_000 }, (s) => changes.push(s));
    await outcome(breakers.execute(OP, HANGZHOU, failWith(reset())));
    vi.advanceTimersByTime(1_000);
    await breakers.execute(OP, HANGZHOU, succeed());
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed']);
  });
});
