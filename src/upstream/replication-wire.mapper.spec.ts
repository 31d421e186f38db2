import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../test/fixtures/oss/fixtures.js';
import { aNewRule } from '../../test/fixtures/replication/rules.js';
import { OssClientError } from '../oss/errors.js';
import { GetBucketReplication } from '../oss/operations/bucket-replication.js';
import { GetBucketReplicationLocation } from '../oss/operations/bucket-replication-location.js';
import { GetBucketReplicationProgress } from '../oss/operations/bucket-replication-progress.js';
import {
  actionFromWire,
  locationsFromWire,
  progressFromWire,
  ruleFromWire,
  ruleStatusFromWire,
  ruleToWire,
} from './replication-wire.mapper.js';

describe(ruleFromWire.name, () => {
  it('maps the reference GetBucketReplication sample to the domain rule', () => {
    const { rules } = GetBucketReplication.deserialize(
      ossResponse(ossFixture('GetBucketReplication', 'response.xml')),
      { bucket: 'b' },
    );
    expect(rules.map(ruleFromWire)).toEqual([
      {
        id: 'test_replication_1',
        status: 'doing',
        prefixes: ['source1', 'video'],
        action: 'PUT',
        destination: { bucket: 'destbucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
        historicalObjectReplication: true,
        syncRole: 'aliyunramrole',
        rtc: { enabled: true, status: 'enabled' },
      },
    ]);
  });

  it('reads RTC enabling as enabled-but-not-effective and a missing RTC as off', () => {
    const base = {
      id: 'r',
      prefixes: [],
      action: 'ALL',
      destination: { bucket: 'd', location: 'cn-beijing', transferType: 'internal' },
      historicalObjectReplication: true,
    };
    expect(ruleFromWire({ ...base, status: 'starting', rtc: { status: 'enabling' } }).rtc).toEqual({
      enabled: true,
      status: 'enabling',
    });
    expect(ruleFromWire({ ...base, status: 'doing' })).toMatchObject({
      rtc: { enabled: false },
      destination: { location: 'oss-cn-beijing' },
    });
  });

  it('refuses values the API cannot describe as a malformed OSS response', () => {
    expect(() => ruleStatusFromWire('paused')).toThrow(OssClientError);
    expect(() => actionFromWire('REPLICATE')).toThrow(/Rule\/Action/);
  });
});

describe(actionFromWire.name, () => {
  it.each([
    ['ALL', 'ALL'],
    ['all', 'ALL'],
    ['PUT', 'PUT'],
    ['PUT,DELETE,ABORT', 'ALL'],
    ['PUT,ABORT', 'PUT'],
  ])('reads %s as %s', (wire, domain) => {
    expect(actionFromWire(wire)).toBe(domain);
  });
});

describe(ruleToWire.name, () => {
  it('spells out every default and sends RTC only when enabled', () => {
    expect(ruleToWire(aNewRule())).toEqual({
      id: 'rule-1',
      prefixes: ['logs/'],
      action: 'ALL',
      destination: { bucket: 'dest-bucket', location: 'oss-cn-beijing', transferType: 'internal' },
      historicalObjectReplication: true,
    });
    expect(
      ruleToWire(
        aNewRule({
          rtc: { enabled: true },
          sseKmsEncryptedObjects: true,
          replicaKmsKeyId: 'k',
          syncRole: 'r',
        }),
      ),
    ).toMatchObject({
      rtc: { enabled: true },
      sseKmsEncryptedObjects: true,
      replicaKmsKeyId: 'k',
      syncRole: 'r',
    });
  });
});

describe(progressFromWire.name, () => {
  it('maps the reference progress sample', () => {
    const output = GetBucketReplicationProgress.deserialize(
      ossResponse(ossFixture('GetBucketReplicationProgress', 'response.xml')),
      { bucket: 'b', ruleId: 'test_replication_1' },
    );
    expect(output.rules.map(progressFromWire)).toEqual([
      {
        ruleId: 'test_replication_1',
        status: 'doing',
        destination: { bucket: 'target-bucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
        historicalObjectReplication: true,
        historicalObjectProgress: 0.85,
        newObjectsReplicatedUntil: new Date('2015-09-24T15:28:14.000Z'),
      },
    ]);
  });
});

describe(locationsFromWire.name, () => {
  it('gives constrained regions their listed transfer types, others both, and marks RTC partners', () => {
    const output = GetBucketReplicationLocation.deserialize(
      ossResponse(ossFixture('GetBucketReplicationLocation', 'response.xml')),
      { bucket: 'b' },
    );
    expect(locationsFromWire(output).locations).toEqual([
      { location: 'oss-cn-beijing', transferTypes: ['internal', 'oss_acc'], rtcSupported: true },
      { location: 'oss-cn-qingdao', transferTypes: ['internal', 'oss_acc'], rtcSupported: true },
      { location: 'oss-cn-shenzhen', transferTypes: ['internal', 'oss_acc'], rtcSupported: true },
      { location: 'oss-cn-hongkong', transferTypes: ['oss_acc'], rtcSupported: false },
      { location: 'oss-us-west-1', transferTypes: ['oss_acc'], rtcSupported: false },
    ]);
  });
});
