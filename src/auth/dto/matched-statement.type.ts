import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PolicyEffect } from './authorization-enums.js';

@ObjectType({ description: 'A policy statement that decided an authorization decision.' })
export class MatchedStatement {
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'integer' }],
    description:
      'The policy name, or its index in the request when the simulated policies were given inline (GraphQL returns the index as a string).',
    example: 'ReplicationReadOnly',
  })
  @Field(() => String, {
    description: 'The policy name, or its index (as a string) when the simulated policies were given inline.',
  })
  policy!: string | number;

  @ApiProperty({ description: 'Zero-based index of the statement in the policy.', example: 0 })
  @Field(() => Int, { description: 'Zero-based index of the statement in the policy.' })
  statement!: number;

  @ApiPropertyOptional({ description: 'The statement Sid, when it has one.' })
  @Field(() => String, { nullable: true, description: 'The statement Sid, when it has one.' })
  sid?: string;

  @ApiProperty({ enum: PolicyEffect, enumName: 'PolicyEffect' })
  @Field(() => PolicyEffect, { description: 'The statement Effect.' })
  effect!: PolicyEffect;
}
