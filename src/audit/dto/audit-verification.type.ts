import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Why a chain does not verify; GraphQL names are UPPER_CASE, REST values as below. */
export enum AuditChainFailureReason {
  HASH_MISMATCH = 'hash-mismatch',
  MISSING_SEQ = 'missing-seq',
  BROKEN_LINK = 'broken-link',
  HEAD_MISMATCH = 'head-mismatch',
}

registerEnumType(AuditChainFailureReason, {
  name: 'AuditChainFailureReason',
  description: 'Why an audit chain does not verify.',
  valuesMap: {
    HASH_MISMATCH: {
      description: 'The event was changed after it was written: its content no longer hashes to its hash.',
    },
    MISSING_SEQ: { description: 'Events before this one are missing from the chain: deleted.' },
    BROKEN_LINK: {
      description:
        'The event does not link to the one before it: that one was replaced (with a recomputed hash).',
    },
    HEAD_MISMATCH: {
      description:
        'The chain does not reach the last event this instance wrote (its newest events were deleted or replaced).',
    },
  },
});

@ObjectType('AuditChainFailure', { description: 'The first event of a chain that does not match, and why.' })
export class AuditChainFailureType {
  @Field(() => AuditChainFailureReason, { description: 'Why the chain does not verify.' })
  @ApiProperty({
    enum: AuditChainFailureReason,
    enumName: 'AuditChainFailureReason',
    description: 'Why the chain does not verify.',
  })
  reason!: AuditChainFailureReason;

  @Field(() => String, { description: 'The gateway instance whose chain breaks.' })
  @ApiProperty({ description: 'The gateway instance whose chain breaks.' })
  instanceId!: string;

  @Field(() => Float, {
    description: 'Sequence number where the chain breaks (for MISSING_SEQ: the first missing one).',
  })
  @ApiProperty({
    description: 'Sequence number where the chain breaks (for `missing-seq`: the first missing one).',
  })
  seq!: number;

  @Field(() => ID, {
    nullable: true,
    description: 'The stored event that does not match; null when the end of the chain is missing.',
  })
  @ApiPropertyOptional({
    description: 'The stored event that does not match; absent when the end of the chain is missing.',
  })
  eventId?: string;

  @Field(() => String, { nullable: true, description: 'The hash the chain expected there.' })
  @ApiPropertyOptional({ description: 'The hash the chain expected there.' })
  expectedHash?: string;

  @Field(() => String, { nullable: true, description: 'The hash stored there.' })
  @ApiPropertyOptional({ description: 'The hash stored there.' })
  storedHash?: string;

  @Field(() => String, { description: 'What was found, in words.' })
  @ApiProperty({ description: 'What was found, in words.' })
  detail!: string;
}

@ObjectType('AuditChainCheckpoint', {
  description: 'Where retention cut a chain: its last pruned event, which the rest of the chain links to.',
})
export class AuditChainCheckpointType {
  @Field(() => Float, { description: 'Sequence number of the last pruned event.' })
  @ApiProperty({ description: 'Sequence number of the last pruned event.' })
  seq!: number;

  @Field(() => String, { description: 'Hash of the last pruned event.' })
  @ApiProperty({ description: 'Hash of the last pruned event.' })
  hash!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the prune ran.' })
  @ApiProperty({ type: String, format: 'date-time', description: 'When the prune ran.' })
  prunedAt!: Date;
}

@ObjectType('AuditChain', { description: "One gateway instance's hash chain, as verified." })
export class AuditChainType {
  @Field(() => String, { description: 'The gateway instance (`GATEWAY_INSTANCE_ID`).' })
  @ApiProperty({ description: 'The gateway instance (`GATEWAY_INSTANCE_ID`).' })
  instanceId!: string;

  @Field(() => Boolean, { description: 'True when every event of the chain matched.' })
  @ApiProperty({ description: 'True when every event of the chain matched.' })
  valid!: boolean;

  @Field(() => Int, { description: 'Events checked (those after the checkpoint, up to the first failure).' })
  @ApiProperty({ description: 'Events checked (those after the checkpoint, up to the first failure).' })
  events!: number;

  @Field(() => Float, { nullable: true, description: 'First sequence number checked.' })
  @ApiPropertyOptional({ description: 'First sequence number checked.' })
  firstSeq?: number;

  @Field(() => Float, { nullable: true, description: 'Last sequence number checked.' })
  @ApiPropertyOptional({ description: 'Last sequence number checked.' })
  lastSeq?: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Hash of the last event checked: keep it elsewhere to prove later that nothing was cut off the end.',
  })
  @ApiPropertyOptional({
    description:
      'Hash of the last event checked: keep it elsewhere to prove later that nothing was cut off the end.',
  })
  headHash?: string;

  @Field(() => AuditChainCheckpointType, {
    nullable: true,
    description: 'Where retention cut the chain, if it did.',
  })
  @ApiPropertyOptional({
    type: AuditChainCheckpointType,
    description: 'Where retention cut the chain, if it did.',
  })
  checkpoint?: AuditChainCheckpointType;

  @Field(() => AuditChainFailureType, { nullable: true, description: 'The first event that does not match.' })
  @ApiPropertyOptional({ type: AuditChainFailureType, description: 'The first event that does not match.' })
  failure?: AuditChainFailureType;
}

@ObjectType('AuditVerification', {
  description: 'The audit trail recomputed: every chain, and the first event that does not match.',
})
export class AuditVerificationType {
  @Field(() => Boolean, { description: 'True when every chain verified.' })
  @ApiProperty({ description: 'True when every chain verified.' })
  valid!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'When the verification ran.' })
  @ApiProperty({ type: String, format: 'date-time', description: 'When the verification ran.' })
  verifiedAt!: Date;

  @Field(() => Int, { description: 'Events whose hashes were recomputed (within `from`/`to` when given).' })
  @ApiProperty({ description: 'Events whose hashes were recomputed (within `from`/`to` when given).' })
  checked!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'The id of the first event that does not match (`firstFailure.eventId`); null when valid or when the chain ends early.',
  })
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The id of the first event that does not match (`firstFailure.eventId`); null when valid or when the chain ends early.',
  })
  firstBrokenEventId!: string | null;

  @Field(() => Int, { description: 'Events written before the chain existed (not verifiable).' })
  @ApiProperty({ description: 'Events written before the chain existed (not verifiable).' })
  unchainedEvents!: number;

  @Field(() => [AuditChainType], { description: 'One chain per gateway instance, by instance id.' })
  @ApiProperty({ type: [AuditChainType], description: 'One chain per gateway instance, by instance id.' })
  instances!: AuditChainType[];

  @Field(() => AuditChainFailureType, {
    nullable: true,
    description: 'The first failure (chains in instance-id order); null when valid.',
  })
  @ApiProperty({
    type: AuditChainFailureType,
    nullable: true,
    description: 'The first failure (chains in instance-id order); null when valid.',
  })
  firstFailure!: AuditChainFailureType | null;
}
