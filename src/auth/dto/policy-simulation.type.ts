import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { AuthorizationDecision } from './authorization-enums.js';
import { MatchedStatement } from './matched-statement.type.js';

@ObjectType({ description: 'The decision RAM policies give for one action on one resource in one context.' })
export class PolicySimulation {
  @ApiProperty({ enum: AuthorizationDecision, enumName: 'AuthorizationDecision', example: 'Allow' })
  @Field(() => AuthorizationDecision, { description: 'Allow, ImplicitDeny or ExplicitDeny.' })
  decision!: AuthorizationDecision;

  @ApiProperty({
    type: [MatchedStatement],
    description:
      'ExplicitDeny: every matching Deny statement; Allow: every matching Allow statement; ImplicitDeny: none.',
  })
  @Field(() => [MatchedStatement], { description: 'The statements that decided it.' })
  matchedStatements!: MatchedStatement[];

  @ApiProperty({
    type: [String],
    description: 'Condition keys that a matching statement read but the context did not contain.',
    example: ['acs:SourceIp'],
  })
  @Field(() => [String], {
    description: 'Condition keys that a matching statement read but the context did not contain.',
  })
  missingContextKeys!: string[];
}
