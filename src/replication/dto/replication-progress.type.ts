import { ApiProperty } from '@nestjs/swagger';
import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { ReplicationDestination } from './replication-rule.type.js';
import { ReplicationRuleStatusEnum } from './replication.enums.js';

@ObjectType({ description: 'How far a rule has replicated.' })
export class ReplicationProgress {
  @ApiProperty({ description: 'Rule id.', example: 'logs-to-beijing' })
  @Field(() => ID, { description: 'Rule id.' })
  ruleId!: string;

  @ApiProperty({
    description: 'Task state of the rule.',
    enum: ReplicationRuleStatusEnum,
    enumName: 'ReplicationRuleStatus',
    example: ReplicationRuleStatusEnum.DOING,
  })
  @Field(() => ReplicationRuleStatusEnum, { description: 'Task state of the rule.' })
  status!: ReplicationRuleStatusEnum;

  @ApiProperty({ description: 'Where the rule replicates to.', type: () => ReplicationDestination })
  @Field(() => ReplicationDestination, { description: 'Where the rule replicates to.' })
  destination!: ReplicationDestination;

  @ApiProperty({ description: 'Whether historical objects are replicated.', example: true })
  @Field({ description: 'Whether historical objects are replicated.' })
  historicalObjectReplication!: boolean;

  @ApiProperty({
    description: 'Fraction (0..1) of historical objects replicated; null when OSS reports none.',
    type: Number,
    nullable: true,
    example: 0.85,
  })
  @Field(() => Float, {
    nullable: true,
    description: 'Fraction (0..1) of historical objects replicated; null when OSS reports none.',
  })
  historicalObjectProgress!: number | null;

  @ApiProperty({
    description:
      'ISO-8601 watermark: every object written before it has been replicated; null when not reported.',
    type: String,
    nullable: true,
    example: '2025-04-17T15:28:14.000Z',
  })
  @Field(() => String, {
    nullable: true,
    description:
      'ISO-8601 watermark: every object written before it has been replicated; null when not reported.',
  })
  newObjectsReplicatedUntil!: string | null;
}
