import { describe, expect, it } from 'vitest';
import { GatewayAction, OssAction } from '../../auth/ram/actions.js';
import { rateLimitClassOf } from './rate-limit-class.js';

describe(rateLimitClassOf.name, () => {
  it.each([
    [OssAction.GetBucketReplication, 'read'],
    [OssAction.GetBucketReplicationProgress, 'read'],
    [OssAction.GetBucketReplicationLocation, 'read'],
    [GatewayAction.ListAuditEvents, 'read'],
    ['oss:getbucketreplication', 'read'],
    [OssAction.PutBucketReplication, 'write'],
    [OssAction.PutBucketRtc, 'write'],
    [OssAction.DeleteBucketReplication, 'write'],
    ['gateway:ManageWebhooks', 'write'],
    [GatewayAction.SimulatePolicy, 'simulate'],
    ['GATEWAY:SIMULATEPOLICY', 'simulate'],
    [undefined, 'read'],
  ])('charges %s to %s', (action, cls) => {
    expect(rateLimitClassOf(action)).toBe(cls);
  });
});
