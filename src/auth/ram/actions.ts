import { toRegionId } from '../../oss/region.js';

/** RAM actions the gateway checks. `oss:PutBucketRtc` is the canonical spelling (matching is case-insensitive). */
export const OssAction = {
  GetBucketReplication: 'oss:GetBucketReplication',
  PutBucketReplication: 'oss:PutBucketReplication',
  PutBucketRtc: 'oss:PutBucketRtc',
  DeleteBucketReplication: 'oss:DeleteBucketReplication',
  GetBucketReplicationProgress: 'oss:GetBucketReplicationProgress',
  GetBucketReplicationLocation: 'oss:GetBucketReplicationLocation',
} as const;
export type OssAction = (typeof OssAction)[keyof typeof OssAction];

/** The gateway's own actions. */
export const GatewayAction = {
  SimulatePolicy: 'gateway:SimulatePolicy',
  ListAuditEvents: 'gateway:ListAuditEvents',
} as const;
export type GatewayAction = (typeof GatewayAction)[keyof typeof GatewayAction];

/** The six replication actions, in the order of DESIGN.md §2's table. */
export const REPLICATION_ACTIONS: readonly OssAction[] = Object.freeze([
  OssAction.GetBucketReplication,
  OssAction.PutBucketReplication,
  OssAction.PutBucketRtc,
  OssAction.DeleteBucketReplication,
  OssAction.GetBucketReplicationProgress,
  OssAction.GetBucketReplicationLocation,
]);

/** The gateway's own actions, checked on the resource `*` (listed by `GET /v1/me/permissions`). */
export const GATEWAY_ACTIONS: readonly GatewayAction[] = Object.freeze([
  GatewayAction.SimulatePolicy,
  GatewayAction.ListAuditEvents,
]);

/** The resource the gateway's own actions are declared on. */
export const GATEWAY_RESOURCE = '*';

/**
 * The resource of every replication action: the source bucket's ARN, `acs:oss:{region}:{accountId}:{bucket}`.
 * `region` may be given as `oss-cn-hangzhou` or `cn-hangzhou`; an unknown (empty or undefined) account is `*`.
 */
export function bucketArn(region: string, accountId: string | undefined, bucket: string): string {
  const account = accountId === undefined || accountId === '' ? '*' : accountId;
  return `acs:oss:${toRegionId(region)}:${account}:${bucket}`;
}
