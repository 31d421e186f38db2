import type { RequestFacts } from '../common/request-context/request-facts.js';

/** Condition-context keys a create contributes (documented in the README's permission model). */
export const ReplicationConditionKey = {
  DestinationBucket: 'oss:ReplicationDestinationBucket',
  DestinationLocation: 'oss:ReplicationDestinationLocation',
} as const;

function destinationOf(facts: RequestFacts): Record<string, unknown> | undefined {
  // The request pipeline has validated the input by now, but these are the raw request values (the
  // REST body or the GraphQL `input` argument), not the DTO instance: read them defensively.
  const source = facts.transport === 'graphql' ? facts.args.input : facts.body;
  if (typeof source !== 'object' || source === null) {
    return undefined;
  }
  const destination = (source as Record<string, unknown>).destination;
  return typeof destination === 'object' && destination !== null
    ? (destination as Record<string, unknown>)
    : undefined;
}

/** `oss:ReplicationDestinationBucket` / `oss:ReplicationDestinationLocation` of a create request. */
export function createRuleConditionContext(facts: RequestFacts): Record<string, string | undefined> {
  const destination = destinationOf(facts);
  const bucket = destination?.bucket;
  const location = destination?.location;
  return {
    [ReplicationConditionKey.DestinationBucket]: typeof bucket === 'string' ? bucket : undefined,
    [ReplicationConditionKey.DestinationLocation]: typeof location === 'string' ? location : undefined,
  };
}
