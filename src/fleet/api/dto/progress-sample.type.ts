import { Field, Float, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RtcStatusEnum } from '../../../replication/dto/replication.enums.js';
import { SampleStatusEnum } from './fleet.enums.js';

@ObjectType('ProgressSample', { description: 'One reading of a rule’s status and progress by the sampler.' })
export class ProgressSample {
  @ApiProperty({ type: String, format: 'date-time', description: 'When the sampler read the rule.' })
  @Field(() => String, { description: 'When the sampler read the rule (ISO-8601).' })
  time!: string;

  @ApiProperty({
    enum: SampleStatusEnum,
    enumName: 'SampleStatus',
    nullable: true,
    description: 'The rule status seen; null when the read failed (see `error`).',
  })
  @Field(() => SampleStatusEnum, {
    nullable: true,
    description: 'The rule status seen; null when the read failed (see `error`).',
  })
  status!: SampleStatusEnum | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Fraction (0..1) of historical objects replicated.',
  })
  @Field(() => Float, { nullable: true, description: 'Fraction (0..1) of historical objects replicated.' })
  historicalObjectProgress!: number | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Every object written before this instant is replicated.',
  })
  @Field(() => String, {
    nullable: true,
    description: 'Every object written before this instant is replicated (ISO-8601).',
  })
  newObjectsReplicatedUntil!: string | null;

  @ApiProperty({
    enum: RtcStatusEnum,
    enumName: 'RtcStatus',
    nullable: true,
    description: 'RTC status seen.',
  })
  @Field(() => RtcStatusEnum, { nullable: true, description: 'RTC status seen.' })
  rtcStatus!: RtcStatusEnum | null;

  @ApiPropertyOptional({
    type: String,
    description: 'Set when the read failed: the OSS error code and message.',
  })
  @Field(() => String, {
    nullable: true,
    description: 'Set when the read failed: the OSS error code and message.',
  })
  error?: string;
}

@ObjectType('ProgressHistoryPage', { description: 'A page of a rule’s progress samples, oldest first.' })
export class ProgressHistoryPage {
  @ApiProperty({ type: [ProgressSample], description: 'Samples, oldest first.' })
  @Field(() => [ProgressSample], { description: 'Samples, oldest first.' })
  samples!: ProgressSample[];

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
