import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ossFixture } from '../../test/fixtures/oss/fixtures.js';
import { CircuitOpenError, OssClientError, OssServiceError } from './errors.js';
import { OssClient, type OssClientOptions } from './oss-client.js';
import type {
  HttpTransport,
  TransportRequest,
  TransportResponse,
  TransportSendOptions,
} from './transport/http-transport.js';

/** What the fake OSS answers: a status + error code, a reset, or the fixture of a success. */
type Answer = { status: number; code: string } | 'reset' | 'ok';

/** A transport that answers from a script and counts what reached "OSS". */
class ScriptedTransport implements HttpTransport {
  readonly sent: TransportRequest[] = [];
  answer: (request: TransportRequest) => Answer = () => 'ok';

  send(request: TransportRequest, options?: TransportSendOptions): Promise<TransportResponse> {
    if (options?.signal?.aborted) {
      return Promise.reject(new OssClientError('Aborted', 'aborted'));
    }
    this.sent.push(request);
    const answer = this.answer(request);
    if (answer === 'reset') {
      return Promise.reject(new OssClientError('NetworkError', 'socket hang up (ECONNRESET)'));
    }
    if (answer === 'ok') {
      return Promise.resolve({
        status: 200,
        headers: { 'x-oss-request-id': 'ok-request' },
        body: Buffer.from(ossFixture('GetBucketReplication', 'response.xml')),
      });
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>${answer.code}</Message><RequestId>req-${this.sent.length}</RequestId></Error>`;
    return Promise.resolve({
      status: answer.status,
      headers: { 'x-oss-request-id': `req-${this.sent.length}`, 'content-type': 'application/xml' },
      body: Buffer.from(xml),
    });
  }

  calls(query: string): number {
    return this.sent.filter((r) => r.path.includes(query)).length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
}

describe(`${OssClient.name} resilience (retry quota, circuit breakers)`, () => {
  let transport: ScriptedTransport;
  const events = { retried: 0, exhausted: 0, shortCircuited: [] as string[], states: [] as string[] };

  function client(overrides: Partial<OssClientOptions> = {}): OssClient {
    return new OssClient({
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      timeouts: { connectMs: 1000, requestMs: 1000 },
      retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 60_000 },
      transport,
      sleep: () => Promise.resolve(),
      observer: {
        retried: () => (events.retried += 1),
        retryQuotaExhausted: () => (events.exhausted += 1),
        shortCircuited: (e) => events.shortCircuited.push(`${e.operation} ${e.endpoint}`),
        breakerStateChanged: (e) => events.states.push(`${e.operation} ${e.state}`),
      },
      ...overrides,
    });
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 0));
    transport = new ScriptedTransport();
    events.retried = 0;
    events.exhausted = 0;
    events.shortCircuited = [];
    events.states = [];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the breaker of the failing operation and endpoint, then answers without calling OSS', async () => {
    const c = client({ circuitBreaker: { threshold: 5, cooldownMs: 10_000 } });
    transport.answer = (r) =>
      r.path.includes('replicationProgress') ? 'ok' : { status: 503, code: 'ServiceUnavailable' };

    // 3 attempts, 3 attempts: 6 consecutive failures; the 5th opens the breaker, no 6th is sent.
    expect(await failure(c.getBucketReplication('bucket-one'))).toMatchObject({ code: 'ServiceUnavailable' });
    const tripped = await failure(c.getBucketReplication('bucket-one'));
    expect(tripped).toBeInstanceOf(CircuitOpenError);
    expect((tripped as CircuitOpenError).cause).toBeInstanceOf(OssServiceError);
    expect(transport.calls('?replication')).toBe(5);

    for (let i = 0; i < 20; i += 1) {
      expect(await failure(c.getBucketReplication(`bucket-${i % 3}`))).toMatchObject({
        code: 'CircuitOpen',
        endpoint: 'oss-cn-hangzhou.aliyuncs.com',
        retryAfterMs: 10_000,
      });
    }
    expect(transport.calls('?replication')).toBe(5);
    expect(events.shortCircuited).toHaveLength(20);
    expect(events.shortCircuited[0]).toBe('GetBucketReplication oss-cn-hangzhou.aliyuncs.com');

    // Another operation at the same endpoint, and the same operation at another endpoint, still go out.
    await expect(c.getBucketReplicationProgress('bucket-one', 'rule')).rejects.toMatchObject({
      code: 'UnexpectedRoot',
    });
    transport.answer = () => 'ok';
    await expect(c.getBucketReplication('bucket-one', { region: 'cn-beijing' })).resolves.toMatchObject({
      requestId: 'ok-request',
    });
    expect(c.resilience().breakers).toEqual([
      { operation: 'GetBucketReplication', endpoint: 'oss-cn-hangzhou.aliyuncs.com', state: 'open' },
      {
        operation: 'GetBucketReplicationProgress',
        endpoint: 'oss-cn-hangzhou.aliyuncs.com',
        state: 'closed',
      },
      { operation: 'GetBucketReplication', endpoint: 'oss-cn-beijing.aliyuncs.com', state: 'closed' },
    ]);
  });

  it('probes once after the cool-down and closes again when OSS has healed', async () => {
    const c = client({ circuitBreaker: { threshold: 2, cooldownMs: 3_000 } });
    transport.answer = () => 'reset';
    await failure(c.getBucketReplication('bucket-one'));
    expect(c.resilience().breakers[0].state).toBe('open');
    const sentWhileOpen = transport.sent.length;
    vi.advanceTimersByTime(1_000);
    expect(await failure(c.getBucketReplication('bucket-one'))).toMatchObject({ retryAfterMs: 2_000 });
    expect(transport.sent.length).toBe(sentWhileOpen);

    transport.answer = () => 'ok';
    vi.advanceTimersByTime(2_000);
    await expect(c.getBucketReplication('bucket-one')).resolves.toMatchObject({ requestId: 'ok-request' });
    expect(transport.sent.length).toBe(sentWhileOpen + 1);
    expect(c.resilience().breakers[0].state).toBe('closed');
    expect(events.states).toEqual([
      'GetBucketReplication open',
      'GetBucketReplication half-open',
      'GetBucketReplication closed',
    ]);
  });

  it('does not open on 4xx answers: NoSuchBucket and AccessDenied always reach OSS', async () => {
    const c = client({ circuitBreaker: { threshold: 2, cooldownMs: 10_000 } });
    transport.answer = (r) =>
      r.origin.includes('denied')
        ? { status: 403, code: 'AccessDenied' }
        : { status: 404, code: 'NoSuchBucket' };
    for (let i = 0; i < 10; i += 1) {
      await expect(c.getBucketReplication('missing-bucket')).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(c.getBucketReplication('denied-bucket')).rejects.toMatchObject({ code: 'AccessDenied' });
    }
    expect(transport.sent).toHaveLength(20);
    expect(c.resilience().breakers[0].state).toBe('closed');
  });

  it('stops retrying once the retry quota is spent, until successes refill it', async () => {
    const c = client({ circuitBreaker: false, retryQuota: { capacity: 20 } });
    transport.answer = () => ({ status: 500, code: 'InternalError' });
    for (let i = 0; i < 10; i += 1) {
      await expect(c.getBucketReplication('bucket-one')).rejects.toMatchObject({ code: 'InternalError' });
    }
    // 10 first attempts, and the 4 retries 20 tokens pay for (5 each) — not 10 × 3 = 30 calls.
    expect(transport.sent).toHaveLength(14);
    expect(events.retried).toBe(4);
    expect(events.exhausted).toBe(8);
    expect(c.resilience().retryQuota).toEqual({ available: 0, capacity: 20 });

    transport.answer = () => 'ok';
    for (let i = 0; i < 5; i += 1) {
      await c.getBucketReplication('bucket-one');
    }
    expect(c.resilience().retryQuota.available).toBe(5);
    // 5 tokens again: one retry is possible.
    let failures = 0;
    transport.answer = () => (failures++ === 0 ? { status: 500, code: 'InternalError' } : 'ok');
    await expect(c.getBucketReplication('bucket-one')).resolves.toMatchObject({ requestId: 'ok-request' });
    expect(c.resilience().retryQuota.available).toBe(5);
  });

  it('keeps at most a handful of calls per request under a persistent outage', async () => {
    const c = client({ circuitBreaker: { threshold: 5, cooldownMs: 60_000 } });
    transport.answer = () => ({ status: 503, code: 'SlowDown' });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => failure(c.getBucketReplication(`bucket-${i}`))),
    );
    expect(outcomes.every((o) => o instanceof OssServiceError || o instanceof CircuitOpenError)).toBe(true);
    // Concurrent first attempts all go out; once five failures are in, no retry is sent.
    expect(transport.sent.length).toBeLessThanOrEqual(50 + 5);
    const after = transport.sent.length;
    await Promise.all(Array.from({ length: 50 }, () => failure(c.getBucketReplication('bucket-one'))));
    expect(transport.sent.length).toBe(after);
  });
});
