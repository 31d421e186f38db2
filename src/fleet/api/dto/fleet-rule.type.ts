import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { ReplicationRule } from '../../../replication/dto/replication-rule.type.js';
import { ReplicationHealth } from './replication-health.type.js';

@ObjectType('FleetRule', { description: 'One rule of the fleet: where it lives, the rule, and its health.' })
export class FleetRule {
  @ApiProperty({
    description: 'The OSS account of the gateway (`default` for the account of `OSS_*`).',
    example: 'default',
  })
  @Field({ description: 'The OSS account of the gateway (`default` for the account of `OSS_*`).' })
  account!: string;

  @ApiProperty({ description: 'Source bucket.', example: 'demo-source' })
  @Field({ description: 'Source bucket.' })
  bucket!: string;

  @ApiProperty({
    description: 'The source bucket’s region (`cn-hangzhou`), or `*` when unknown.',
    example: 'cn-hangzhou',
  })
  @Field({ description: 'The source bucket’s region (`cn-hangzhou`), or `*` when unknown.' })
  region!: string;

  @ApiProperty({ type: () => ReplicationRule, description: 'The rule, as the inventory last read it.' })
  @Field(() => ReplicationRule, { description: 'The rule, as the inventory last read it.' })
  rule!: ReplicationRule;

  @ApiProperty({
    type: () => ReplicationHealth,
    nullable: true,
    description:
      'Its health; null unless the caller is allowed `oss:GetBucketReplicationProgress` on the bucket.',
  })
  @Field(() => ReplicationHealth, {
    nullable: true,
    description:
      'Its health; null unless the caller is allowed `oss:GetBucketReplicationProgress` on the bucket.',
  })
  health!: ReplicationHealth | null;
}

@ObjectType('FleetRulePage', { description: 'A page of the fleet, most troubled first.' })
export class FleetRulePage {
  @ApiProperty({
    type: [FleetRule],
    description: 'Rules: by health severity, then lag (largest first), then account, bucket, rule id.',
  })
  @Field(() => [FleetRule], {
    description: 'Rules: by health severity, then lag (largest first), then account, bucket, rule id.',
  })
  items!: FleetRule[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last.',
  })
  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last.',
  })
  nextCursor!: string | null;
}
