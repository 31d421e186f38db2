import { Field, GraphQLISODateTime, InputType } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsEnum, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsBucketName } from '../../common/validation/is-bucket-name.js';
import { AuthorizationDecision } from '../../auth/dto/authorization-enums.js';
import { AuditEventKind } from './audit-enums.js';

/** A date (`2025-05-01`, UTC) or a date-time with `Z` or an offset; anything else stays a string and fails @IsDate. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export function toIsoDate({ value }: { value: unknown }): unknown {
  if (typeof value === 'string' && ISO_8601.test(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date;
  }
  return value;
}

export const DATE_MESSAGE =
  '$property must be an ISO-8601 date or date-time with a time zone, e.g. 2025-05-01T00:00:00Z';

/** Filters of the audit trail; all given fields must match. Shared by REST (query string) and GraphQL. */
@InputType('AuditEventFilter', { description: 'Filters of the audit trail; every given field must match.' })
export class AuditEventFilter {
  @Field(() => String, { nullable: true, description: 'Principal id, exact match (e.g. `billing-service`).' })
  @ApiPropertyOptional({
    description: 'Principal id, exact match.',
    example: 'billing-service',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  principal?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'RAM action, exact match (e.g. `oss:PutBucketRtc`; `authenticated` for routes open to any caller).',
  })
  @ApiPropertyOptional({
    description: 'RAM action, exact match.',
    example: 'oss:PutBucketRtc',
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9:*?_-]+$/, {
    message: '$property must be a RAM action such as oss:PutBucketRtc (or authenticated)',
  })
  @MaxLength(128)
  action?: string;

  @Field(() => AuthorizationDecision, { nullable: true, description: 'Only decisions with this outcome.' })
  @ApiPropertyOptional({
    enum: AuthorizationDecision,
    enumName: 'AuditDecision',
    description: 'Only decisions with this outcome.',
  })
  @IsOptional()
  @IsEnum(AuthorizationDecision, { message: '$property must be one of Allow, ImplicitDeny, ExplicitDeny' })
  decision?: AuthorizationDecision;

  @Field(() => String, { nullable: true, description: 'Source bucket named by the event resource.' })
  @ApiPropertyOptional({ description: 'Source bucket named by the event resource.', example: 'my-bucket' })
  @IsOptional()
  @IsBucketName()
  bucket?: string;

  @Field(() => AuditEventKind, {
    nullable: true,
    description: 'Only decisions, or only forwarded OSS calls.',
  })
  @ApiPropertyOptional({
    enum: AuditEventKind,
    enumName: 'AuditEventKind',
    description: 'Only this kind of event.',
  })
  @IsOptional()
  @IsEnum(AuditEventKind, { message: '$property must be one of decision, oss-call' })
  kind?: AuditEventKind;

  @Field(() => String, {
    nullable: true,
    description: 'Everything recorded for one request id (`x-request-id`).',
  })
  @ApiPropertyOptional({
    description: 'Everything recorded for one request id (`x-request-id`).',
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  requestId?: string;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Events at or after this instant (inclusive).',
  })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Events at or after this instant (inclusive), ISO-8601.',
    example: '2025-05-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  from?: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Events before this instant (exclusive).' })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Events before this instant (exclusive), ISO-8601.',
    example: '2025-06-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  to?: Date;
}
