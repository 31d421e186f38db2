import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { MAX_UPSTREAM_CALLS_VARIABLE, RequestUpstream } from './request-upstream.js';

describe(RequestUpstream.name, () => {
  it('makes one fetch per operation and key, however often it is read', async () => {
    const upstream = new RequestUpstream();
    const fetched: string[] = [];
    const fetch = (bucket: string) => () => {
      fetched.push(bucket);
      return Promise.resolve({ bucket });
    };
    const answers = await Promise.all([
      upstream.read('GetBucketReplication', 'a', fetch('a')),
      upstream.read('GetBucketReplication', 'a', fetch('a')),
      upstream.read('GetBucketReplication', 'b', fetch('b')),
      upstream.read('GetBucketReplicationLocation', 'a', fetch('a')),
    ]);
    expect(answers.map((a) => a.bucket)).toEqual(['a', 'a', 'b', 'a']);
    expect(fetched).toEqual(['a', 'b', 'a']);
    // Later reads of the same key are answered from the request's cache too.
    await upstream.read('GetBucketReplication', 'a', fetch('a'));
    expect(fetched).toHaveLength(3);
  });

  it('shares a failure with every reader of that key', async () => {
    const upstream = new RequestUpstream();
    const failure = new DomainError(ErrorCode.BucketNotFound, 'gone');
    let calls = 0;
    const fetch = () => {
      calls += 1;
      return Promise.reject(failure);
    };
    await expect(upstream.read('GetBucketReplication', 'a', fetch)).rejects.toBe(failure);
    await expect(upstream.read('GetBucketReplication', 'a', fetch)).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('charges calls up to the budget and refuses the next with the limit named', () => {
    const upstream = new RequestUpstream();
    upstream.charge('GetBucketReplication', 2);
    upstream.charge('GetBucketReplication', 2);
    expect(upstream.callCount).toBe(2);
    let thrown: unknown;
    try {
      upstream.charge('GetBucketReplicationProgress', 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({
      code: ErrorCode.UpstreamBudgetExceeded,
      details: { limit: { name: MAX_UPSTREAM_CALLS_VARIABLE, max: 2 } },
    });
    expect(upstream.callCount).toBe(2);
  });

  it('aborts its signal once when cancelled', () => {
    const upstream = new RequestUpstream();
    expect(upstream.signal.aborted).toBe(false);
    upstream.cancel();
    upstream.cancel();
    expect(upstream.signal.aborted).toBe(true);
  });
});
