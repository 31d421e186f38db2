import { ArgsType, Field, GraphQLISODateTime, InputType, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { toIsoDate } from '../../../audit/dto/audit-event-filter.input.js';
import { IsBucketName } from '../../../common/validation/is-bucket-name.js';
import { ReplicationRuleStatusEnum } from '../../../replication/dto/replication.enums.js';
import { HEALTH_STATES } from '../../health/replication-health.js';
import { HealthStateEnum } from './fleet.enums.js';

/*
 * Inputs of the fleet (DESIGN §11), one class per shape for both transports: REST query strings
 * (`?health=lagging&rtc=true&first=50`) and GraphQL arguments are validated by the same rules.
 */

export const FLEET_PAGE_DEFAULT = 50;
export const FLEET_PAGE_MAX = 500;
export const HISTORY_PAGE_DEFAULT = 100;
export const HISTORY_PAGE_MAX = 1000;

const DATE_MESSAGE =
  '$property must be an ISO-8601 date or date-time with a time zone, e.g. 2025-05-01T00:00:00Z';

/** `?rtc=true|false` arrives as a string; GraphQL passes a boolean through. */
function toBoolean({ value }: { value: unknown }): unknown {
  return value === 'true' ? true : value === 'false' ? false : value;
}

@InputType('ReplicationFleetFilter', { description: 'Filters of the fleet; every given field must match.' })
export class FleetFilter {
  @ApiPropertyOptional({ description: 'Only rules of this account.', example: 'default', maxLength: 128 })
  @Field(() => String, { nullable: true, description: 'Only rules of this account.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: '$property must be an account id (letters, digits, ".", "_", "-")',
  })
  account?: string;

  @ApiPropertyOptional({ description: 'Only rules of this source bucket.', example: 'demo-source' })
  @Field(() => String, { nullable: true, description: 'Only rules of this source bucket.' })
  @IsOptional()
  @IsBucketName()
  bucket?: string;

  @ApiPropertyOptional({
    enum: HealthStateEnum,
    enumName: 'HealthState',
    description: 'Only rules in this health state (rules whose health the caller may not read never match).',
  })
  @Field(() => HealthStateEnum, {
    nullable: true,
    description: 'Only rules in this health state (rules whose health the caller may not read never match).',
  })
  @IsOptional()
  @IsEnum(HealthStateEnum, { message: `$property must be one of ${HEALTH_STATES.join(', ')}` })
  health?: HealthStateEnum;

  @ApiPropertyOptional({
    enum: ReplicationRuleStatusEnum,
    enumName: 'ReplicationRuleStatus',
    description: 'Only rules with this status.',
  })
  @Field(() => ReplicationRuleStatusEnum, { nullable: true, description: 'Only rules with this status.' })
  @IsOptional()
  @IsEnum(ReplicationRuleStatusEnum, { message: '$property must be one of starting, doing, closing' })
  status?: ReplicationRuleStatusEnum;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Only rules with (true) or without (false) RTC enabled.',
  })
  @Field(() => Boolean, {
    nullable: true,
    description: 'Only rules with (true) or without (false) RTC enabled.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: '$property must be true or false' })
  rtc?: boolean;
}

/** Query string of `GET /v1/replication/rules`: the filter fields plus the page. */
export class ListFleetRulesQuery extends FleetFilter {
  @ApiPropertyOptional({
    description: 'Page size.',
    minimum: 1,
    maximum: FLEET_PAGE_MAX,
    default: FLEET_PAGE_DEFAULT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FLEET_PAGE_MAX)
  first?: number = FLEET_PAGE_DEFAULT;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  after?: string;
}

/** Arguments of `replicationFleet(filter, first, after)`. */
@ArgsType()
export class ReplicationFleetArgs {
  @Field(() => FleetFilter, {
    nullable: true,
    description: 'Filters; omitted means every rule the caller may read.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => FleetFilter)
  filter?: FleetFilter;

  @Field(() => Int, {
    nullable: true,
    defaultValue: FLEET_PAGE_DEFAULT,
    description: `Page size, 1 to ${FLEET_PAGE_MAX}.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(FLEET_PAGE_MAX)
  first?: number = FLEET_PAGE_DEFAULT;

  @Field(() => String, { nullable: true, description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  after?: string;
}

/** `…/progress/history?from=&to=&first=&after=` and `ReplicationRule.progressHistory(from, to, first, after)`. */
@ArgsType()
export class ProgressHistoryArgs {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Samples at or after this instant (inclusive), ISO-8601.',
    example: '2025-05-01T00:00:00Z',
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Samples at or after this instant (inclusive).',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Samples before this instant (exclusive), ISO-8601.',
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Samples before this instant (exclusive).',
  })
  @IsOptional()
  @Transform(toIsoDate)
  @IsDate({ message: DATE_MESSAGE })
  to?: Date;

  @ApiPropertyOptional({
    description: 'Page size.',
    minimum: 1,
    maximum: HISTORY_PAGE_MAX,
    default: HISTORY_PAGE_DEFAULT,
  })
  @Field(() => Int, {
    nullable: true,
    defaultValue: HISTORY_PAGE_DEFAULT,
    description: `Page size, 1 to ${HISTORY_PAGE_MAX}.`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_MAX)
  first?: number = HISTORY_PAGE_DEFAULT;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page.' })
  @Field(() => String, { nullable: true, description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;
}
