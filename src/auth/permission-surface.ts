import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUTHENTICATED, type EndpointAccess } from '../request/endpoint.js';
import { discoverEndpoints } from '../request/nest/endpoint-discovery.js';
import type { ResourceSelector } from './decorators/requires-action.decorator.js';

/** One REST route or GraphQL resolver with what it declares. */
export interface EndpointPermission {
  /** `MeController.me`, `MeResolver.permissions`. */
  handler: string;
  transport: 'http' | 'graphql';
  /** `GET /v1/me`, `Query.me`, `CallerIdentity.permissions`. */
  route: string;
  /** `public`, `authenticated`, `oss:PutBucketRtc on bucket(:bucket)`, or `UNDECLARED`. */
  permission: string;
  declared: boolean;
}

export function describeSelector(selector: ResourceSelector): string {
  switch (selector.kind) {
    case 'bucket':
      return `bucket(${selector.param})`;
    case 'parentBucket':
      return 'bucket(parent.bucket)';
    case 'static':
      return selector.resource;
    case 'eachBucket':
      return 'bucket(each row; rows not allowed are left out)';
  }
}

function describe(access: EndpointAccess): string {
  switch (access.kind) {
    case 'public':
      return 'public';
    case 'undeclared':
      return 'UNDECLARED';
    case 'requires': {
      const { requirement } = access;
      if (requirement.action === AUTHENTICATED) {
        return AUTHENTICATED;
      }
      const extra = requirement.context ? ' +context' : '';
      return `${requirement.action} on ${describeSelector(requirement.resource)}${extra}`;
    }
  }
}

/**
 * Every controller route and every resolver method (queries, mutations, subscriptions, field
 * resolvers) of a booted application, with the permission each declares, as the permission snapshot
 * prints it. (The start-up refusal of undeclared handlers is the EndpointRegistry's.)
 */
export function collectEndpointPermissions(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): EndpointPermission[] {
  return discoverEndpoints(discovery, scanner, reflector).map(({ transport, route, endpoint }) => ({
    handler: endpoint.name,
    transport,
    route,
    permission: describe(endpoint.access),
    declared: endpoint.access.kind !== 'undeclared',
  }));
}
