import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { HealthStateEnum } from './fleet.enums.js';

@ObjectType('ReplicationHealth', {
  description: 'The health of a rule, computed from its stored progress samples (DESIGN §11).',
})
export class ReplicationHealth {
  @ApiProperty({ enum: HealthStateEnum, enumName: 'HealthState', example: HealthStateEnum.HEALTHY })
  @Field(() => HealthStateEnum, { description: 'The state.' })
  state!: HealthStateEnum;

  @ApiProperty({
    type: [String],
    description: 'Human sentences: why this state, plus notes about odd figures.',
    example: ['new objects replicated up to 12 s ago'],
  })
  @Field(() => [String], { description: 'Human sentences: why this state, plus notes about odd figures.' })
  reasons!: string[];

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'now − newObjectsReplicatedUntil, whole seconds; null without a watermark.',
    example: 12,
  })
  @Field(() => Int, {
    nullable: true,
    description: 'now − newObjectsReplicatedUntil, whole seconds; null without a watermark.',
  })
  lagSeconds!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Fraction (0..1) of historical objects replicated, as last sampled.',
    example: 0.85,
  })
  @Field(() => Float, {
    nullable: true,
    description: 'Fraction (0..1) of historical objects replicated, as last sampled.',
  })
  historicalObjectProgress!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Historical fraction replicated per hour (least-squares slope over the last hour).',
    example: 0.2,
  })
  @Field(() => Float, {
    nullable: true,
    description: 'Historical fraction replicated per hour (least-squares slope over the last hour).',
  })
  historicalRatePerHour!: number | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Estimated completion of historical replication; null without a positive rate.',
  })
  @Field(() => String, {
    nullable: true,
    description: 'Estimated completion of historical replication (ISO-8601); null without a positive rate.',
  })
  historicalEta!: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When this state began.' })
  @Field(() => String, { description: 'When this state began (ISO-8601).' })
  since!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Time of the newest successful sample.',
  })
  @Field(() => String, { nullable: true, description: 'Time of the newest successful sample (ISO-8601).' })
  sampledAt!: string | null;
}
