import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import {
  GetBucketReplicationProgress,
  parseFraction,
  parseOssTimestamp,
} from './bucket-replication-progress.js';

const input = { bucket: 'b', ruleId: 'test_replication_1' };

describe('GetBucketReplicationProgress', () => {
  it('serialises GET /?replicationProgress&rule-id=…, and without rule-id for every rule', () => {
    expect(GetBucketReplicationProgress.serialize({ bucket: 'b', ruleId: 'rule 1' }).query).toEqual([
      ['replicationProgress', null],
      ['rule-id', 'rule 1'],
    ]);
    expect(GetBucketReplicationProgress.serialize({ bucket: 'b' }).query).toEqual([
      ['replicationProgress', null],
    ]);
  });

  it('reads the documented response, converting the fraction and the watermark', () => {
    const out = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response.xml')),
      input,
    );
    expect(out.rules).toHaveLength(1);
    expect(out.rules[0].rule).toMatchObject({
      id: 'test_replication_1',
      status: 'doing',
      prefixes: ['source_image', 'video'],
      action: 'PUT',
      destination: { bucket: 'target-bucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
      historicalObjectReplication: true,
    });
    expect(out.rules[0].historicalObjectProgress).toBe(0.85);
    expect(out.rules[0].newObjectsReplicatedUntil).toEqual(new Date('2015-09-24T15:28:14.000Z'));
  });

  it('reads every rule of a pretty-printed answer to a request without rule-id, in order', () => {
    const out = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response-two-rules.xml')),
      { bucket: 'b' },
    );
    expect(out.rules).toEqual([
      {
        rule: {
          id: 'to-beijing',
          status: 'doing',
          prefixes: ['logs/'],
          action: 'ALL',
          destination: { bucket: 'dest-beijing', location: 'oss-cn-beijing', transferType: 'internal' },
          historicalObjectReplication: true,
        },
        historicalObjectProgress: 0.5,
        newObjectsReplicatedUntil: new Date('2015-09-24T15:28:14.000Z'),
      },
      {
        rule: {
          id: 'to-hongkong',
          status: 'starting',
          prefixes: [],
          action: 'PUT',
          destination: { bucket: 'dest-hongkong', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
          historicalObjectReplication: false,
        },
        historicalObjectProgress: null,
        newObjectsReplicatedUntil: null,
      },
    ]);
  });

  it('reports null progress for a rule that is still starting', () => {
    const out = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response-starting.xml')),
      input,
    );
    expect(out.rules[0].rule.status).toBe('starting');
    expect(out.rules[0].historicalObjectProgress).toBeNull();
    expect(out.rules[0].newObjectsReplicatedUntil).toBeNull();
  });

  it('reads an empty ReplicationProgress as no rules', () => {
    for (const body of ['<ReplicationProgress/>', '<ReplicationProgress>\n</ReplicationProgress>']) {
      expect(GetBucketReplicationProgress.deserialize(ossResponse(body), { bucket: 'b' }).rules).toEqual([]);
    }
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

  it('still refuses a body whose root is not ReplicationProgress', () => {
    expect(() => GetBucketReplicationProgress.deserialize(ossResponse('<Error/>'), input)).toThrow(
      expect.objectContaining({ code: 'UnexpectedRoot' }),
    );
  });
});
