import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { JSONScalar } from '../../common/graphql/scalars/json.scalar.js';

export const MAX_SIMULATED_POLICIES = 20;
const MAX_CONTEXT_KEYS = 64;
const MAX_CONTEXT_VALUES = 64;

function isContextScalar(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Condition-context values are strings, numbers, booleans or arrays of them. */
export function isConditionContext(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_CONTEXT_KEYS &&
    entries.every(
      ([key, v]) =>
        key !== '' &&
        key.length <= 256 &&
        (isContextScalar(v) ||
          (Array.isArray(v) && v.length <= MAX_CONTEXT_VALUES && v.every(isContextScalar))),
    )
  );
}

function IsConditionContext(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isConditionContext',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must map at most ${MAX_CONTEXT_KEYS} condition keys to strings, numbers, booleans or arrays of them`,
        ...options,
      },
      validator: { validate: isConditionContext },
    });
  };
}

@InputType({
  description:
    'What to simulate: `policies` (inline documents), or `principal` (a configured principal), or neither (the caller itself).',
})
export class SimulatePolicyInput {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    maxItems: MAX_SIMULATED_POLICIES,
    description: 'RAM policy documents to evaluate instead of configured policies.',
    example: [
      { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetBucketReplication', Resource: '*' }] },
    ],
  })
  @Field(() => [JSONScalar], {
    nullable: true,
    description: 'RAM policy documents to evaluate; matched statements name them by index.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SIMULATED_POLICIES)
  @IsObject({ each: true, message: 'each policy must be a policy document (a JSON object)' })
  policies?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    description: 'Evaluate this configured principal’s policies.',
    example: 'billing-service',
  })
  @Field(() => String, { nullable: true, description: 'Evaluate the policies of this configured principal.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  principal?: string;

  @ApiProperty({ description: 'The RAM action.', example: 'oss:PutBucketRtc' })
  @Field(() => String, { description: 'The RAM action, e.g. `oss:PutBucketRtc`.' })
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$/, { message: 'action must look like service:ActionName' })
  action!: string;

  @ApiProperty({
    description: 'The resource ARN.',
    example: 'acs:oss:cn-hangzhou:1234567890123456:my-bucket',
  })
  @Field(() => String, {
    description: 'The resource ARN, e.g. `acs:oss:cn-hangzhou:1234567890123456:my-bucket`.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  resource!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Condition context: key → string, number, boolean or an array of them.',
    example: { 'acs:SourceIp': '10.0.0.1', 'acs:SecureTransport': 'true' },
  })
  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'Condition context: an object mapping keys (`acs:SourceIp`) to strings, numbers, booleans or arrays of them.',
  })
  @IsOptional()
  @IsConditionContext()
  context?: Record<string, string | number | boolean | Array<string | number | boolean>>;
}
