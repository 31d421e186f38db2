import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { AuthorizationDecision } from './authorization-enums.js';

@ObjectType({ description: 'The decision for one action.' })
export class ActionDecision {
  @Field(() => String, { description: 'The RAM action, e.g. `oss:PutBucketRtc`.' })
  action!: string;

  @Field(() => AuthorizationDecision, { description: 'What the caller’s policies decide for it.' })
  decision!: AuthorizationDecision;
}

@ObjectType({
  description:
    'What the caller may do on a bucket: one decision per replication action, then per gateway action (on `*`).',
})
export class BucketPermissions {
  @Field(() => String, { description: 'The bucket.' })
  bucket!: string;

  @Field(() => String, {
    description:
      'The bucket ARN the replication actions were decided on (gateway actions are decided on `*`); region `*` when the bucket was not looked up (nothing could be allowed).',
  })
  resource!: string;

  @Field(() => [ActionDecision], {
    description:
      'The six replication actions, then the gateway actions (`gateway:SimulatePolicy`, `gateway:ListAuditEvents`), with their decisions.',
  })
  actions!: ActionDecision[];
}

/** REST shape of `GET /v1/me/permissions`: actions keyed by action name. */
export class BucketPermissionsResponse {
  @ApiProperty({ example: 'my-bucket' })
  bucket!: string;

  @ApiProperty({ example: 'acs:oss:cn-hangzhou:1234567890123456:my-bucket' })
  resource!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: Object.values(AuthorizationDecision) },
    description:
      'Each of the six replication actions (on `resource`) and each gateway action (`gateway:SimulatePolicy`, ' +
      '`gateway:ListAuditEvents`, on `*`) → Allow | ImplicitDeny | ExplicitDeny.',
    example: {
      'oss:GetBucketReplication': 'Allow',
      'oss:PutBucketRtc': 'ImplicitDeny',
      'gateway:ListAuditEvents': 'ImplicitDeny',
    },
  })
  actions!: Record<string, AuthorizationDecision>;
}
