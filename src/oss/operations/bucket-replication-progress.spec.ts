import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import {
  GetBucketReplicationProgress,
  parseFraction,
  parseOssTimestamp,
} from './bucket-replication-progress.js';

const input = { bucket: 'b', ruleId: 'test_replication_1' };

describe('GetBucketReplicationProgress', () => {
  it('serialises GET /?replicationProgress&rule-id=…', () => {
    expect(GetBucketReplicationProgress.serialize({ bucket: 'b', ruleId: 'rule 1' }).query).toEqual([
      ['replicationProgress', null],
      ['rule-id', 'rule 1'],
    ]);
  });

  it('reads the documented response, converting the fraction and the watermark', () => {
    const out = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response.xml')),
      input,
    );
    expect(out.rule).toMatchObject({
      id: 'test_replication_1',
      status: 'doing',
      prefixes: ['source_image', 'video'],
      action: 'PUT',
      destination: { bucket: 'target-bucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
      historicalObjectReplication: true,
    });
    expect(out.historicalObjectProgress).toBe(0.85);
    expect(out.newObjectsReplicatedUntil).toEqual(new Date('2015-09-24T15:28:14.000Z'));
  });

  it('reports null progress for a rule that is still starting', () => {
    const out = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response-starting.xml')),
      input,
    );
    expect(out.rule.status).toBe('starting');
    expect(out.historicalObjectProgress).toBeNull();
    expect(out.newObjectsReplicatedUntil).toBeNull();
  });

  it('accepts RFC 1123 timestamps and refuses nonsense values', () => {
    expect(parseOssTimestamp('Thu, 24 Sep 2015 15:39:18 GMT')).toEqual(new Date('2015-09-24T15:39:18Z'));
    expect(() => parseOssTimestamp('yesterday')).toThrow(
      expect.objectContaining({ code: 'MalformedResponse' }),
    );
    expect(() => parseFraction('1.5')).toThrow(expect.objectContaining({ code: 'MalformedResponse' }));
    expect(() => parseFraction('abc')).toThrow(expect.objectContaining({ code: 'MalformedResponse' }));
    expect(parseFraction('0')).toBe(0);
  });

  it('rejects a progress body without a Rule', () => {
    expect(() =>
      GetBucketReplicationProgress.deserialize(ossResponse('<ReplicationProgress/>'), input),
    ).toThrow(expect.objectContaining({ code: 'MalformedResponse' }));
  });
});
