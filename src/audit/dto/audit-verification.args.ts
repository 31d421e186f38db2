import { ArgsType, Field, GraphQLISODateTime } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';
import { DATE_MESSAGE, toIsoDate } from './audit-event-filter.input.js';

/** The window of `GET /v1/audit/verify` (query string) and `auditVerification(from, to)`. */
@ArgsType()
export class AuditVerificationArgs {
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      "Check events at or after this instant (inclusive); each chain's first event in the window is taken as its anchor.",
  })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      "Check events at or after this instant (inclusive), ISO-8601; each chain's first event in the window is taken as its anchor.",
    example: '2025-05-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  from?: Date;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      "Check events before this instant (exclusive); without it the instance's own chain must reach its last event.",
  })
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      "Check events before this instant (exclusive), ISO-8601; without it the instance's own chain must reach its last event.",
    example: '2025-06-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  to?: Date;
}

/** The window as the verifier takes it (absent bounds left out). */
export function verificationWindow(args: AuditVerificationArgs): { from?: Date; to?: Date } {
  return { ...(args.from ? { from: args.from } : {}), ...(args.to ? { to: args.to } : {}) };
}
