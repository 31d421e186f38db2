import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
  registerDecorator,
} from 'class-validator';
import { IsBucketName } from '../../common/validation/is-bucket-name.js';
import { MAX_PREFIX_LENGTH, MAX_PREFIXES, MAX_RULE_ID_LENGTH } from '../../oss/limits.js';
import { LOCATION_PATTERN } from '../../oss/region.js';
import { RULE_ID_PATTERN } from '../domain/replication-rule.js';
import { ReplicationActionEnum, TransferTypeEnum } from './replication.enums.js';

/** RAM role name (1–64 of `A-Za-z0-9._-`), optionally as the ARN `acs:ram::<uid>:role/<name>`. */
const SYNC_ROLE_PATTERN = /^(acs:ram::[0-9*]+:role\/)?[A-Za-z0-9._-]{1,64}$/;
/** KMS key ids and ARNs (`acs:kms:…:key/…`). */
const KMS_KEY_PATTERN = /^[A-Za-z0-9:/._*-]{1,255}$/;

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** `replicaKmsKeyId` means something only when SSE-KMS objects are replicated: refuse it otherwise. */
function OnlyWhenSseKms(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'onlyWhenSseKms',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property is allowed only when sseKmsEncryptedObjects is true' },
      validator: {
        validate: (value: unknown, args) =>
          !isGiven(value) || (args?.object as CreateReplicationRuleInput).sseKmsEncryptedObjects === true,
      },
    });
  };
}

@InputType('ReplicationDestinationInput', { description: 'Where the new rule replicates to.' })
export class ReplicationDestinationInput {
  @ApiProperty({
    description: 'Destination bucket (must exist and differ from the source).',
    example: 'demo-replica',
  })
  @Field({ description: 'Destination bucket (must exist and differ from the source).' })
  @IsBucketName()
  bucket!: string;

  @ApiProperty({
    description: 'Destination region in OSS location form (see `…/replication/locations`).',
    example: 'oss-cn-beijing',
    pattern: LOCATION_PATTERN.source,
  })
  @Field({ description: 'Destination region in OSS location form, e.g. `oss-cn-beijing`.' })
  @IsString()
  @Matches(LOCATION_PATTERN, { message: '$property must be an OSS location such as oss-cn-beijing' })
  location!: string;

  @ApiPropertyOptional({
    description: 'Transfer link; default `internal`.',
    enum: TransferTypeEnum,
    enumName: 'TransferType',
    default: TransferTypeEnum.INTERNAL,
  })
  @Field(() => TransferTypeEnum, { nullable: true, description: 'Transfer link; default `INTERNAL`.' })
  @IsOptional()
  @IsEnum(TransferTypeEnum, { message: '$property must be one of: internal, oss_acc' })
  transferType?: TransferTypeEnum;
}

@InputType('ReplicationTimeControlInput', { description: 'Replication time control of the new rule.' })
export class ReplicationTimeControlInput {
  @ApiProperty({ description: 'Enable RTC (cross-region, supported region pairs only).', example: false })
  @Field({ description: 'Enable RTC (cross-region, supported region pairs only).' })
  @IsBoolean()
  enabled!: boolean;
}

@InputType('CreateReplicationRuleInput', {
  description: 'A rule to create on the source bucket. Retrying with the same id and body is idempotent.',
})
export class CreateReplicationRuleInput {
  @ApiPropertyOptional({
    description: `Rule id (1–${MAX_RULE_ID_LENGTH} of A-Z a-z 0-9 . _ : -); generated (UUID) when absent and returned.`,
    example: 'logs-to-beijing',
    maxLength: MAX_RULE_ID_LENGTH,
  })
  @Field(() => ID, {
    nullable: true,
    description:
      'Rule id; generated (UUID) when absent and returned. Retrying with the same id is idempotent.',
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_RULE_ID_LENGTH)
  @Matches(RULE_ID_PATTERN, { message: '$property may contain only letters, digits and . _ : -' })
  id?: string;

  @ApiPropertyOptional({
    description: `Key prefixes to replicate (at most ${MAX_PREFIXES}, each 1–${MAX_PREFIX_LENGTH} characters, unique); empty or absent = the whole bucket.`,
    type: [String],
    example: ['logs/'],
  })
  @Field(() => [String], {
    nullable: true,
    description: 'Key prefixes to replicate; absent = the whole bucket.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PREFIXES)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, MAX_PREFIX_LENGTH, { each: true })
  prefixes?: string[];

  @ApiPropertyOptional({
    description: 'Which operations are replicated; default `ALL`.',
    enum: ReplicationActionEnum,
    enumName: 'ReplicationAction',
    default: ReplicationActionEnum.ALL,
  })
  @Field(() => ReplicationActionEnum, {
    nullable: true,
    description: 'Which operations are replicated; default `ALL`.',
  })
  @IsOptional()
  @IsEnum(ReplicationActionEnum, { message: '$property must be one of: ALL, PUT' })
  action?: ReplicationActionEnum;

  @ApiProperty({ description: 'Where to replicate to.', type: () => ReplicationDestinationInput })
  @Field(() => ReplicationDestinationInput, { description: 'Where to replicate to.' })
  @IsDefined()
  @ValidateNested()
  @Type(() => ReplicationDestinationInput)
  destination!: ReplicationDestinationInput;

  @ApiPropertyOptional({
    description: 'Copy objects that existed before the rule; default true.',
    default: true,
  })
  @Field({ nullable: true, description: 'Copy objects that existed before the rule; default true.' })
  @IsOptional()
  @IsBoolean()
  historicalObjectReplication?: boolean;

  @ApiPropertyOptional({
    description:
      'RAM role OSS assumes to replicate (name or `acs:ram::<uid>:role/<name>`); required with sseKmsEncryptedObjects.',
    example: 'aliyunramrole',
  })
  @Field({
    nullable: true,
    description: 'RAM role OSS assumes to replicate; required with sseKmsEncryptedObjects.',
  })
  @ValidateIf((o: CreateReplicationRuleInput) => isGiven(o.syncRole) || o.sseKmsEncryptedObjects === true)
  @IsString({ message: '$property is required when sseKmsEncryptedObjects is true' })
  @Matches(SYNC_ROLE_PATTERN, { message: '$property must be a RAM role name or acs:ram::<uid>:role/<name>' })
  syncRole?: string;

  @ApiPropertyOptional({
    description: 'Also replicate SSE-KMS encrypted objects; default false.',
    default: false,
  })
  @Field({ nullable: true, description: 'Also replicate SSE-KMS encrypted objects; default false.' })
  @IsOptional()
  @IsBoolean()
  sseKmsEncryptedObjects?: boolean;

  @ApiPropertyOptional({
    description:
      'KMS key for the replicas; required when sseKmsEncryptedObjects is true, not allowed otherwise.',
    example: 'c4d49f85-ee30-426b-a5ed-95e9139d',
  })
  @Field({
    nullable: true,
    description: 'KMS key for the replicas; required exactly when sseKmsEncryptedObjects is true.',
  })
  @ValidateIf(
    (o: CreateReplicationRuleInput) => isGiven(o.replicaKmsKeyId) || o.sseKmsEncryptedObjects === true,
  )
  @IsString({ message: '$property is required when sseKmsEncryptedObjects is true' })
  @Matches(KMS_KEY_PATTERN, { message: '$property must be a KMS key id' })
  @OnlyWhenSseKms()
  replicaKmsKeyId?: string;

  @ApiPropertyOptional({
    description: 'Replication time control; default disabled.',
    type: () => ReplicationTimeControlInput,
  })
  @Field(() => ReplicationTimeControlInput, {
    nullable: true,
    description: 'Replication time control; default disabled.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReplicationTimeControlInput)
  rtc?: ReplicationTimeControlInput;
}
