import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { GetBucketReplicationLocation } from './bucket-replication-location.js';

describe('GetBucketReplicationLocation', () => {
  it('serialises GET /?replicationLocation', () => {
    expect(GetBucketReplicationLocation.serialize({ bucket: 'b' }).query).toEqual([
      ['replicationLocation', null],
    ]);
  });

  it('reads locations, transfer-type constraints and RTC locations', () => {
    const out = GetBucketReplicationLocation.deserialize(
      ossResponse(ossFixture('GetBucketReplicationLocation', 'response.xml')),
      { bucket: 'b' },
    );
    expect(out).toEqual({
      requestId: '534B371674E88A4D8906',
      locations: ['oss-cn-beijing', 'oss-cn-qingdao', 'oss-cn-shenzhen', 'oss-cn-hongkong', 'oss-us-west-1'],
      transferTypeConstraints: [
        { location: 'oss-cn-hongkong', transferTypes: ['oss_acc'] },
        { location: 'oss-us-west-1', transferTypes: ['oss_acc'] },
      ],
      rtcLocations: [
        'oss-cn-beijing',
        'oss-cn-qingdao',
        'oss-cn-shanghai',
        'oss-cn-shenzhen',
        'oss-cn-zhangjiakou',
      ],
    });
  });

  it('reads a single LocationTransferType as a one-element list', () => {
    const out = GetBucketReplicationLocation.deserialize(
      ossResponse(ossFixture('GetBucketReplicationLocation', 'response-single.xml')),
      { bucket: 'b' },
    );
    expect(out.locations).toEqual(['oss-cn-hongkong']);
    expect(out.transferTypeConstraints).toEqual([
      { location: 'oss-cn-hongkong', transferTypes: ['oss_acc'] },
    ]);
    expect(out.rtcLocations).toEqual([]);
  });

  it('reads an empty ReplicationLocation as no locations', () => {
    const out = GetBucketReplicationLocation.deserialize(
      ossResponse('<ReplicationLocation></ReplicationLocation>'),
      {
        bucket: 'b',
      },
    );
    expect(out.locations).toEqual([]);
  });
});
