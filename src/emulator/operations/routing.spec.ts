import { describe, expect, it } from 'vitest';
import { routeOperation } from './routing.js';

const q = (...pairs: Array<[string, string | null]>) => new Map(pairs);

describe(routeOperation.name, () => {
  it('names the replication operations from method and sub-resource, in any query order', () => {
    expect(routeOperation('POST', 'b', undefined, q(['comp', 'add'], ['replication', null]))).toBe(
      'PutBucketReplication',
    );
    expect(routeOperation('POST', 'b', undefined, q(['replication', ''], ['comp', 'delete']))).toBe(
      'DeleteBucketReplication',
    );
    expect(routeOperation('GET', 'b', undefined, q(['replication', null]))).toBe('GetBucketReplication');
    expect(routeOperation('PUT', 'b', undefined, q(['rtc', null]))).toBe('PutBucketRTC');
    expect(routeOperation('GET', 'b', undefined, q(['replicationLocation', null]))).toBe(
      'GetBucketReplicationLocation',
    );
    expect(routeOperation('GET', 'b', undefined, q(['replicationProgress', null], ['rule-id', 'r1']))).toBe(
      'GetBucketReplicationProgress',
    );
  });

  it('answers MethodNotAllowed for a known sub-resource with the wrong method', () => {
    expect(routeOperation('GET', 'b', undefined, q(['replication', null], ['comp', 'add']))).toBe(
      'MethodNotAllowed',
    );
    expect(routeOperation('GET', 'b', undefined, q(['rtc', null]))).toBe('MethodNotAllowed');
    expect(routeOperation('PUT', undefined, undefined, q())).toBe('MethodNotAllowed');
  });

  it('names bucket, listing and object operations, and NotImplemented for sub-resources it does not serve', () => {
    expect(routeOperation('GET', undefined, undefined, q())).toBe('ListBuckets');
    expect(routeOperation('PUT', 'b', undefined, q())).toBe('PutBucket');
    expect(routeOperation('GET', 'b', undefined, q(['list-type', '2']))).toBe('ListObjectsV2');
    expect(routeOperation('GET', 'b', undefined, q())).toBe('ListObjects');
    expect(routeOperation('HEAD', 'b', 'k', q())).toBe('HeadObject');
    expect(routeOperation('GET', 'b', undefined, q(['lifecycle', null]))).toBe('NotImplemented');
    expect(routeOperation('PUT', 'b', 'k', q(['acl', null]))).toBe('NotImplemented');
  });
});
