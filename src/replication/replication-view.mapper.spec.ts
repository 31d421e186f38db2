import { describe, expect, it } from 'vitest';
import { aRule } from '../../test/fixtures/replication/rules.js';
import { CreateReplicationRuleInput } from './dto/create-replication-rule.input.js';
import { ReplicationRule } from './dto/replication-rule.type.js';
import { ReplicationActionEnum, TransferTypeEnum } from './dto/replication.enums.js';
import {
  ruleParent,
  toLocationsView,
  toNewRuleRequest,
  toProgressView,
  toRuleView,
} from './replication-view.mapper.js';

describe(toRuleView.name, () => {
  it('renders the DESIGN §2 JSON shape and keeps the bucket off the wire', () => {
    const view = toRuleView(aRule({ syncRole: 'role', rtc: { enabled: true, status: 'enabled' } }));
    expect(view).toBeInstanceOf(ReplicationRule);
    expect(JSON.parse(JSON.stringify(view))).toEqual({
      id: 'rule-1',
      status: 'doing',
      prefixes: ['logs/'],
      action: 'ALL',
      destination: { bucket: 'dest-bucket', location: 'oss-cn-beijing', transferType: 'internal' },
      historicalObjectReplication: true,
      syncRole: 'role',
      rtc: { enabled: true, status: 'enabled' },
    });
    // The GraphQL parent names its source bucket; the REST view above has none.
    expect(ruleParent('src-bucket', view).bucket).toBe('src-bucket');
  });

  it('adds the plan of a dry run', () => {
    const view = toRuleView(aRule(), {
      operation: 'PutBucketRtc',
      method: 'PUT',
      bucket: 'b',
      resource: '/?rtc',
      body: '<x/>',
      findings: [
        {
          field: 'destination.bucket',
          code: 'DestinationBucketUnverified',
          severity: 'warning',
          conflict: false,
          message: 'm',
        },
      ],
    });
    expect(view.plan).toEqual({
      operation: 'PutBucketRtc',
      method: 'PUT',
      bucket: 'b',
      resource: '/?rtc',
      body: '<x/>',
      dryRun: true,
      findings: [
        {
          field: 'destination.bucket',
          code: 'DestinationBucketUnverified',
          severity: 'warning',
          message: 'm',
        },
      ],
    });
  });

  it('answers plan null for a dry run that would send nothing', () => {
    expect(toRuleView(aRule(), null).plan).toBeNull();
    expect(toRuleView(aRule())).not.toHaveProperty('plan');
  });
});

describe(toProgressView.name, () => {
  it('renders the watermark as ISO-8601 and keeps nulls', () => {
    const base = {
      ruleId: 'r',
      status: 'doing' as const,
      destination: aRule().destination,
      historicalObjectReplication: true,
    };
    expect(
      toProgressView({
        ...base,
        historicalObjectProgress: 0.5,
        newObjectsReplicatedUntil: new Date(Date.UTC(2025, 3, 17)),
      }),
    ).toMatchObject({
      historicalObjectProgress: 0.5,
      newObjectsReplicatedUntil: '2025-04-17T00:00:00.000Z',
    });
    expect(
      toProgressView({ ...base, historicalObjectProgress: null, newObjectsReplicatedUntil: null }),
    ).toMatchObject({
      historicalObjectProgress: null,
      newObjectsReplicatedUntil: null,
    });
  });
});

describe(toLocationsView.name, () => {
  it('copies every location', () => {
    expect(
      toLocationsView({
        locations: [{ location: 'oss-cn-beijing', transferTypes: ['internal'], rtcSupported: true }],
      }),
    ).toEqual({
      locations: [{ location: 'oss-cn-beijing', transferTypes: ['internal'], rtcSupported: true }],
    });
  });
});

describe(toNewRuleRequest.name, () => {
  it('passes what was given and leaves defaults to the domain (GraphQL nulls count as absent)', () => {
    const input = Object.assign(new CreateReplicationRuleInput(), {
      id: null,
      action: ReplicationActionEnum.PUT,
      destination: { bucket: 'd', location: 'oss-cn-hongkong', transferType: TransferTypeEnum.OSS_ACC },
      rtc: { enabled: true },
      syncRole: null,
    });
    expect(toNewRuleRequest(input)).toEqual({
      action: 'PUT',
      destination: { bucket: 'd', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
      rtc: { enabled: true },
    });
  });
});
