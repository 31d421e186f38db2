import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuthenticationMethodKind, PrincipalKind } from './authorization-enums.js';

@ObjectType({ description: 'The authenticated caller.' })
export class CallerIdentity {
  @ApiProperty({
    description: 'The principal id (from the principals file or the token claim).',
    example: 'billing-service',
  })
  @Field(() => String, { description: 'The principal id (from the principals file or the token claim).' })
  id!: string;

  @ApiProperty({ enum: PrincipalKind, enumName: 'PrincipalType', example: 'service' })
  @Field(() => PrincipalKind, { description: 'service, user or role.' })
  type!: PrincipalKind;

  @ApiProperty({ type: [String], description: 'Groups whose policies apply.', example: ['platform-ops'] })
  @Field(() => [String], { description: 'Groups whose policies apply.' })
  groups!: string[];

  @ApiPropertyOptional({ description: 'The API key id used (absent for JWT callers).', example: 'billing-1' })
  @Field(() => String, { nullable: true, description: 'The API key id used (null for JWT callers).' })
  keyId?: string;

  @ApiProperty({ enum: AuthenticationMethodKind, enumName: 'AuthenticationMethod', example: 'api-key' })
  @Field(() => AuthenticationMethodKind, { description: 'How the caller authenticated.' })
  authenticatedBy!: AuthenticationMethodKind;
}
