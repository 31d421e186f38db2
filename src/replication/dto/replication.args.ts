import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArgsType, Field, ID } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsOptional, IsString, Length } from 'class-validator';
import { IsBucketName } from '../../common/validation/is-bucket-name.js';
import { MAX_RULE_ID_LENGTH } from '../../oss/limits.js';

/*
 * Argument classes: GraphQL `@Args()` and REST `@Param()`/`@Query()`/`@Body()` alike, so the one
 * global ValidationPipe checks both transports with the same rules.
 */

@ArgsType()
export class BucketArgs {
  @ApiProperty({ description: 'Source bucket name.', example: 'demo-source' })
  @Field({ description: 'Source bucket name.' })
  @IsBucketName()
  bucket!: string;
}

@ArgsType()
export class RuleArgs extends BucketArgs {
  @ApiProperty({ description: 'Rule id.', example: 'logs-to-beijing' })
  @Field(() => ID, { description: 'Rule id.' })
  @IsString()
  @Length(1, MAX_RULE_ID_LENGTH)
  ruleId!: string;
}

/** `replicationRule(bucket, id)`: DESIGN §2 names this argument `id`. */
@ArgsType()
export class ReplicationRuleArgs extends BucketArgs {
  @Field(() => ID, { description: 'Rule id.' })
  @IsString()
  @Length(1, MAX_RULE_ID_LENGTH)
  id!: string;
}

export const DRY_RUN_DESCRIPTION =
  'Run authentication, validation, authorization and the pre-flight checks, record an audit event ' +
  'marked dry-run, and return what would be sent to OSS without writing anything.';

/** REST `?dryRun=true|false`. */
export class DryRunQuery {
  @ApiPropertyOptional({ description: DRY_RUN_DESCRIPTION, default: false, type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: '$property must be true or false' })
  dryRun?: boolean;
}

/** REST body of `PUT …/rules/{ruleId}/rtc`. */
export class SetReplicationTimeControlBody {
  @ApiProperty({ description: 'Enable (true) or disable (false) replication time control.', example: true })
  @IsDefined()
  @IsBoolean()
  enabled!: boolean;
}

@ArgsType()
export class SetReplicationTimeControlArgs extends RuleArgs {
  @Field({ description: 'Enable (true) or disable (false) replication time control.' })
  @IsDefined()
  @IsBoolean()
  enabled!: boolean;

  @Field({ nullable: true, defaultValue: false, description: DRY_RUN_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

@ArgsType()
export class DeleteReplicationRuleArgs extends RuleArgs {
  @Field({ nullable: true, defaultValue: false, description: DRY_RUN_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
