import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Field, ID, ObjectType } from '@nestjs/graphql';
import {
  PreflightSeverityEnum,
  ReplicationActionEnum,
  ReplicationRuleStatusEnum,
  RtcStatusEnum,
  TransferTypeEnum,
} from './replication.enums.js';

@ObjectType({ description: 'Where a rule replicates to.' })
export class ReplicationDestination {
  @ApiProperty({ description: 'Destination bucket name.', example: 'demo-replica' })
  @Field({ description: 'Destination bucket name.' })
  bucket!: string;

  @ApiProperty({ description: 'Destination region in OSS location form.', example: 'oss-cn-beijing' })
  @Field({ description: 'Destination region in OSS location form, e.g. `oss-cn-beijing`.' })
  location!: string;

  @ApiProperty({
    description: 'Transfer link.',
    enum: TransferTypeEnum,
    enumName: 'TransferType',
    example: TransferTypeEnum.INTERNAL,
  })
  @Field(() => TransferTypeEnum, { description: 'Transfer link.' })
  transferType!: TransferTypeEnum;
}

@ObjectType({ description: 'Replication time control (RTC) of a rule.' })
export class ReplicationTimeControl {
  @ApiProperty({ description: 'Whether RTC is requested for the rule.', example: false })
  @Field({ description: 'Whether RTC is requested for the rule.' })
  enabled!: boolean;

  @ApiPropertyOptional({
    description: 'RTC state as OSS reports it (absent when OSS reports none).',
    enum: RtcStatusEnum,
    enumName: 'RtcStatus',
    example: RtcStatusEnum.ENABLED,
  })
  @Field(() => RtcStatusEnum, { nullable: true, description: 'RTC state as OSS reports it.' })
  status?: RtcStatusEnum;
}

@ObjectType({
  description:
    'A pre-flight finding that does not stop the request: something it could not check, or a choice it made. ' +
    'Same `field`, `code` and `message` as the `errors` of a refused request, plus `severity`.',
})
export class PreflightNote {
  @ApiProperty({ description: 'The input field the finding is about.', example: 'destination.transferType' })
  @Field({ description: 'The input field the finding is about, e.g. `destination.transferType`.' })
  field!: string;

  @ApiProperty({ description: 'What pre-flight found.', example: 'TransferTypeChosen' })
  @Field({ description: 'What pre-flight found, e.g. `TransferTypeChosen`, `DestinationBucketUnverified`.' })
  code!: string;

  @ApiProperty({
    description: 'How much it matters.',
    enum: PreflightSeverityEnum,
    enumName: 'PreflightSeverity',
    example: PreflightSeverityEnum.INFO,
  })
  @Field(() => PreflightSeverityEnum, { description: 'How much it matters.' })
  severity!: PreflightSeverityEnum;

  @ApiProperty({
    description: 'A sentence for people.',
    example:
      'Transfer type oss_acc was chosen: replication to oss-cn-hongkong requires transfer acceleration.',
  })
  @Field({ description: 'A sentence for people.' })
  message!: string;
}

@ObjectType({
  description:
    'What a dry run would have sent to OSS: the signed request is not built and nothing is written.',
})
export class ReplicationRequestPlan {
  @ApiProperty({ description: 'OSS operation name.', example: 'PutBucketReplication' })
  @Field({ description: 'OSS operation name, e.g. `PutBucketReplication`.' })
  operation!: string;

  @ApiProperty({ description: 'HTTP method of the OSS request.', example: 'POST' })
  @Field({ description: 'HTTP method of the OSS request.' })
  method!: string;

  @ApiProperty({ description: 'Source bucket the request addresses.', example: 'demo-source' })
  @Field({ description: 'Source bucket the request addresses.' })
  bucket!: string;

  @ApiProperty({ description: 'Resource path and sub-resource query.', example: '/?replication&comp=add' })
  @Field({ description: 'Resource path and sub-resource query, e.g. `/?replication&comp=add`.' })
  resource!: string;

  @ApiPropertyOptional({ description: 'Content type of the body.', example: 'application/xml' })
  @Field({ nullable: true, description: 'Content type of the body.' })
  contentType?: string;

  @ApiPropertyOptional({
    description: 'The XML body that would be sent.',
    example: '<ReplicationConfiguration><Rule>…</Rule></ReplicationConfiguration>',
  })
  @Field({ nullable: true, description: 'The XML body that would be sent.' })
  body?: string;

  @ApiProperty({ description: 'Always true: nothing was sent to OSS.', example: true })
  @Field({ description: 'Always true: nothing was sent to OSS.' })
  dryRun!: boolean;

  @ApiProperty({
    description:
      'Pre-flight warnings and choices (severity `warning` or `info`); empty when there are none. ' +
      'Pre-flight errors refuse the dry run like the real request (400 `PreflightFailed` / 409).',
    type: [PreflightNote],
  })
  @Field(() => [PreflightNote], {
    description:
      'Pre-flight warnings and choices (severity WARNING or INFO); empty when there are none. Pre-flight errors ' +
      'refuse the dry run like the real request.',
  })
  findings!: PreflightNote[];
}

@ObjectType({ description: 'A replication rule of a source bucket.' })
export class ReplicationRule {
  @ApiProperty({ description: 'Rule id, unique in the bucket.', example: 'logs-to-beijing' })
  @Field(() => ID, { description: 'Rule id, unique in the bucket.' })
  id!: string;

  @ApiProperty({
    description: 'Task state of the rule.',
    enum: ReplicationRuleStatusEnum,
    enumName: 'ReplicationRuleStatus',
    example: ReplicationRuleStatusEnum.DOING,
  })
  @Field(() => ReplicationRuleStatusEnum, { description: 'Task state of the rule.' })
  status!: ReplicationRuleStatusEnum;

  @ApiProperty({
    description: 'Object key prefixes the rule applies to; empty = the whole bucket.',
    type: [String],
    example: ['logs/'],
  })
  @Field(() => [String], {
    description: 'Object key prefixes the rule applies to; empty = the whole bucket.',
  })
  prefixes!: string[];

  @ApiProperty({
    description: 'Which source operations are replicated.',
    enum: ReplicationActionEnum,
    enumName: 'ReplicationAction',
    example: ReplicationActionEnum.ALL,
  })
  @Field(() => ReplicationActionEnum, { description: 'Which source operations are replicated.' })
  action!: ReplicationActionEnum;

  @ApiProperty({ description: 'Where the rule replicates to.', type: () => ReplicationDestination })
  @Field(() => ReplicationDestination, { description: 'Where the rule replicates to.' })
  destination!: ReplicationDestination;

  @ApiProperty({ description: 'Whether objects that existed before the rule are copied too.', example: true })
  @Field({ description: 'Whether objects that existed before the rule are copied too.' })
  historicalObjectReplication!: boolean;

  @ApiPropertyOptional({ description: 'RAM role OSS assumes to replicate.', example: 'aliyunramrole' })
  @Field({ nullable: true, description: 'RAM role OSS assumes to replicate.' })
  syncRole?: string;

  @ApiPropertyOptional({ description: 'Whether SSE-KMS encrypted objects are replicated.', example: false })
  @Field({ nullable: true, description: 'Whether SSE-KMS encrypted objects are replicated.' })
  sseKmsEncryptedObjects?: boolean;

  @ApiPropertyOptional({
    description: 'KMS key used to encrypt replicas of SSE-KMS objects.',
    example: 'c4d49f85-ee30-426b-a5ed-95e9139d',
  })
  @Field({ nullable: true, description: 'KMS key used to encrypt replicas of SSE-KMS objects.' })
  replicaKmsKeyId?: string;

  @ApiProperty({ description: 'Replication time control.', type: () => ReplicationTimeControl })
  @Field(() => ReplicationTimeControl, { description: 'Replication time control.' })
  rtc!: ReplicationTimeControl;

  @ApiPropertyOptional({
    description:
      'Only in dry-run answers: the OSS request that would have been sent; `null` when the create would be an idempotent replay (nothing would be sent).',
    type: () => ReplicationRequestPlan,
    nullable: true,
  })
  @Field(() => ReplicationRequestPlan, {
    nullable: true,
    description: 'Only in dry-run answers: the OSS request that would have been sent (null otherwise).',
  })
  plan?: ReplicationRequestPlan | null;

  @ApiPropertyOptional({
    description:
      'Only in create answers: true when a rule with this id and an equivalent body already exists, so the create ' +
      'is (or, in a dry run, would be) an idempotent replay — nothing is written and a dry run has `plan: null`. ' +
      'Same as the `Idempotent-Replayed: true` header.',
    example: true,
  })
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Only in create answers: true when the create is (or, in a dry run, would be) an idempotent replay of an ' +
      'existing equivalent rule; nothing is written and a dry run has `plan: null`. Null otherwise.',
  })
  idempotentReplay?: boolean;
}

/** REST body of `GET /v1/buckets/{bucket}/replication/rules`. */
export class ReplicationRuleList {
  @ApiProperty({
    description: 'The rules of the bucket; empty when it has no replication configuration.',
    type: [ReplicationRule],
  })
  rules!: ReplicationRule[];
}
