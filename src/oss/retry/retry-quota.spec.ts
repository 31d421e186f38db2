import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_QUOTA, RetryQuota } from './retry-quota.js';

describe(RetryQuota.name, () => {
  it('starts full with the AWS standard-mode defaults: 500 tokens', () => {
    const quota = new RetryQuota();
    expect(quota.available).toBe(500);
    expect(quota.capacity).toBe(DEFAULT_RETRY_QUOTA.capacity);
  });

  it('charges 5 tokens for a retry and 10 for one after a reset or timeout', () => {
    const quota = new RetryQuota({ capacity: 100 });
    expect(quota.acquire('server-error')).toBe(5);
    expect(quota.acquire('throttling')).toBe(5);
    expect(quota.acquire('transient')).toBe(10);
    expect(quota.available).toBe(80);
  });

  it('refuses a retry it cannot pay for, taking nothing', () => {
    const quota = new RetryQuota({ capacity: 12 });
    expect(quota.acquire('transient')).toBe(10);
    expect(quota.acquire('transient')).toBeUndefined();
    expect(quota.available).toBe(2);
    expect(quota.acquire('server-error')).toBeUndefined();
    expect(quota.available).toBe(2);
  });

  it('empties after capacity / cost retries when every call fails: 100 retries of 5 from 500', () => {
    const quota = new RetryQuota();
    let retries = 0;
    while (quota.acquire('server-error') !== undefined) {
      retries += 1;
    }
    expect(retries).toBe(100);
    expect(quota.available).toBe(0);
  });

  it('refunds a success its last retry cost, 1 token for a success without retry, never above capacity', () => {
    const quota = new RetryQuota({ capacity: 20 });
    const cost = quota.acquire('transient');
    expect(quota.available).toBe(10);
    quota.release(cost);
    expect(quota.available).toBe(20);
    quota.acquire('server-error');
    quota.release(undefined);
    expect(quota.available).toBe(16);
    for (let i = 0; i < 10; i += 1) {
      quota.release(undefined);
    }
    expect(quota.available).toBe(20);
  });

  it('makes no retry at all with a capacity of 0', () => {
    const quota = new RetryQuota({ capacity: 0 });
    expect(quota.acquire('server-error')).toBeUndefined();
    quota.release(undefined);
    expect(quota.available).toBe(0);
  });
});
