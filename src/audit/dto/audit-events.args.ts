import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { AuditEventFilter } from './audit-event-filter.input.js';

/** Arguments of the GraphQL `auditEvents` query. */
@ArgsType()
export class AuditEventsArgs {
  @Field(() => AuditEventFilter, { nullable: true, description: 'Filters; omitted means every event.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditEventFilter)
  filter?: AuditEventFilter;

  @Field(() => Int, { nullable: true, defaultValue: 50, description: 'Page size, 1 to 500.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  first?: number = 50;

  @Field(() => String, { nullable: true, description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  after?: string;
}
