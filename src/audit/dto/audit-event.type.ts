import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuthorizationDecision, PolicyEffect } from '../../auth/dto/authorization-enums.js';
import { AuditEventKind, AuditTransport } from './audit-enums.js';

@ObjectType('AuditMatchedStatement', {
  description: 'A policy statement that decided an authorization decision.',
})
export class AuditMatchedStatementType {
  @Field(() => String, { description: 'Policy name, or its index when the policy is inline.' })
  @ApiProperty({ description: 'Policy name, or its index when the policy is inline.' })
  policy!: string;

  @Field(() => Int, { description: 'Index of the statement in the policy.' })
  @ApiProperty({ description: 'Index of the statement in the policy.' })
  statement!: number;

  @Field(() => String, { nullable: true, description: 'The statement `Sid`, when it has one.' })
  @ApiPropertyOptional({ description: 'The statement `Sid`, when it has one.' })
  sid?: string;

  @Field(() => PolicyEffect, { description: 'The statement effect.' })
  @ApiProperty({
    enum: PolicyEffect,
    enumName: 'AuditStatementEffect',
    description: 'The statement effect.',
  })
  effect!: PolicyEffect;
}

@ObjectType('AuditEvent', {
  description: 'One append-only audit record: an authorization decision or a call forwarded to OSS.',
})
export class AuditEventType {
  @Field(() => ID, { description: 'Event id (time-ordered UUID).' })
  @ApiProperty({ description: 'Event id (time-ordered UUID).' })
  id!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the decision was taken or the call completed.' })
  @ApiProperty({ type: String, format: 'date-time', description: 'When it happened (ISO-8601, UTC).' })
  time!: Date;

  @Field(() => String, { description: 'The request id (`x-request-id`) that produced the event.' })
  @ApiProperty({ description: 'The request id (`x-request-id`) that produced the event.' })
  requestId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The caller's own X-Request-Id when the gateway minted the request id instead (a caller that is not a trusted proxy); at most 128 characters.",
  })
  @ApiPropertyOptional({
    description:
      "The caller's own X-Request-Id when the gateway minted the request id instead (a caller that is not a trusted proxy); at most 128 characters.",
    maxLength: 128,
  })
  clientRequestId?: string;

  @Field(() => AuditTransport, { description: 'The API the request came through.' })
  @ApiProperty({
    enum: AuditTransport,
    enumName: 'AuditTransport',
    description: 'The API the request came through.',
  })
  transport!: AuditTransport;

  @Field(() => AuditEventKind, { description: 'Decision or forwarded OSS call.' })
  @ApiProperty({
    enum: AuditEventKind,
    enumName: 'AuditEventKind',
    description: 'Decision or forwarded OSS call.',
  })
  kind!: AuditEventKind;

  @Field(() => String, {
    nullable: true,
    description: 'The caller principal id; absent when unauthenticated.',
  })
  @ApiPropertyOptional({ description: 'The caller principal id; absent when unauthenticated.' })
  principal?: string;

  @Field(() => String, { nullable: true, description: 'The public id of the API key used (`acs:AccessId`).' })
  @ApiPropertyOptional({ description: 'The public id of the API key used (`acs:AccessId`).' })
  keyId?: string;

  @Field(() => String, { nullable: true, description: 'The caller IP address (`acs:SourceIp`).' })
  @ApiPropertyOptional({ description: 'The caller IP address (`acs:SourceIp`).' })
  sourceIp?: string;

  @Field(() => String, { nullable: true, description: 'The caller User-Agent.' })
  @ApiPropertyOptional({ description: 'The caller User-Agent.' })
  userAgent?: string;

  @Field(() => String, { description: 'The RAM action (e.g. `oss:PutBucketRtc`).' })
  @ApiProperty({ description: 'The RAM action (e.g. `oss:PutBucketRtc`).' })
  action!: string;

  @Field(() => String, { description: 'The resource ARN the action was evaluated on.' })
  @ApiProperty({ description: 'The resource ARN the action was evaluated on.' })
  resource!: string;

  @Field(() => String, { nullable: true, description: 'The bucket named by the resource, if any.' })
  @ApiPropertyOptional({ description: 'The bucket named by the resource, if any.' })
  bucket?: string;

  @Field(() => AuthorizationDecision, {
    nullable: true,
    description: 'The authorization outcome (decision events).',
  })
  @ApiPropertyOptional({
    enum: AuthorizationDecision,
    enumName: 'AuditDecision',
    description: 'The authorization outcome.',
  })
  decision?: AuthorizationDecision;

  @Field(() => [AuditMatchedStatementType], {
    nullable: true,
    description: 'The statements that decided the outcome (decision events).',
  })
  @ApiPropertyOptional({
    type: [AuditMatchedStatementType],
    description: 'The statements that decided the outcome.',
  })
  matchedStatements?: AuditMatchedStatementType[];

  @Field(() => String, {
    nullable: true,
    description: 'The OSS operation (e.g. `PutBucketRTC`) of an OSS call.',
  })
  @ApiPropertyOptional({ description: 'The OSS operation (e.g. `PutBucketRTC`) of an OSS call.' })
  operation?: string;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the outcome.' })
  @ApiPropertyOptional({ description: 'HTTP status of the outcome.' })
  outcomeStatus?: number;

  @Field(() => String, { nullable: true, description: 'OSS `x-oss-request-id` of an OSS call.' })
  @ApiPropertyOptional({ description: 'OSS `x-oss-request-id` of an OSS call.' })
  ossRequestId?: string;

  @Field(() => String, { nullable: true, description: 'OSS error code when OSS refused the call.' })
  @ApiPropertyOptional({ description: 'OSS error code when OSS refused the call.' })
  ossErrorCode?: string;

  @Field(() => Float, { nullable: true, description: 'Duration of the OSS call in milliseconds.' })
  @ApiPropertyOptional({ description: 'Duration of the OSS call in milliseconds.' })
  latencyMs?: number;

  @Field(() => Boolean, { description: 'True when the request was a dry run (nothing sent to OSS).' })
  @ApiProperty({ description: 'True when the request was a dry run (nothing sent to OSS).' })
  dryRun!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'How many identical decisions of one request this event stands for (GraphQL aliases of one field); absent means one.',
  })
  @ApiPropertyOptional({
    description:
      'How many identical decisions of one request this event stands for (GraphQL aliases of one field); absent means one.',
  })
  repeats?: number;
  @Field(() => String, {
    nullable: true,
    description:
      'The gateway instance whose hash chain holds the event (absent for events from before the chain).',
  })
  @ApiPropertyOptional({
    description:
      'The gateway instance whose hash chain holds the event (absent for events from before the chain).',
  })
  instanceId?: string;

  @Field(() => Float, {
    nullable: true,
    description: "The event's sequence number in its instance's chain (1, 2, 3, …).",
  })
  @ApiPropertyOptional({ description: "The event's sequence number in its instance's chain (1, 2, 3, …)." })
  seq?: number;

  @Field(() => String, {
    nullable: true,
    description: 'Hash of the previous event of the chain (64 hex digits).',
  })
  @ApiPropertyOptional({ description: 'Hash of the previous event of the chain (64 hex digits).' })
  previousHash?: string;

  @Field(() => String, {
    nullable: true,
    description: 'sha256(previousHash ‖ canonical JSON of the event), 64 hex digits; see the README.',
  })
  @ApiPropertyOptional({
    description: 'sha256(previousHash ‖ canonical JSON of the event), 64 hex digits; see the README.',
  })
  hash?: string;
}

@ObjectType('AuditEventPage', { description: 'One page of the audit trail, newest first.' })
export class AuditEventPage {
  @Field(() => [AuditEventType], { description: 'The events of this page, newest first.' })
  @ApiProperty({ type: [AuditEventType], description: 'The events of this page, newest first.' })
  items!: AuditEventType[];

  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last page.',
  })
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
