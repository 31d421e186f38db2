import { SetMetadata } from '@nestjs/common';
import type { RequestFacts } from '../../common/request-context/request-facts.js';
import { AUTHENTICATED } from '../../request/endpoint.js';

/**
 * Where the resource of a decision comes from. Selectors are data (not ad-hoc lambdas) so the
 * permission snapshot can print them and the request pipeline can resolve them for REST and GraphQL alike.
 */
export type ResourceSelector =
  /** The source bucket's ARN; `bucket` is read from the route param or GraphQL argument of that name. */
  | { kind: 'bucket'; param: string }
  /** The bucket named by a GraphQL parent object's field (field resolvers such as ReplicationRule.progress). */
  | { kind: 'parentBucket' }
  /** A fixed resource string, e.g. `*` for gateway-wide actions. */
  | { kind: 'static'; resource: string }
  /**
   * Each row of a listing across buckets (the fleet, DESIGN §11): any authenticated caller reaches the
   * handler, which answers only the rows whose source bucket's ARN the action is allowed on (rows the
   * caller may not read are left out, never shown as errors). The request's one decision event names
   * the action on {@link EACH_BUCKET_RESOURCE}.
   */
  | { kind: 'eachBucket' };

/** The resource the decision of an `eachBucket` listing is recorded on: every bucket of every region and account. */
export const EACH_BUCKET_RESOURCE = 'acs:oss:*:*:*';

export interface ActionRequirement {
  /** A RAM action such as `oss:PutBucketRtc`, or `authenticated` for "any authenticated caller". */
  action: string;
  resource: ResourceSelector;
  /** Extra condition-context keys (`oss:…`) the handler contributes, computed from the request. */
  context?: (facts: RequestFacts) => Record<string, string | string[] | number | boolean | undefined>;
}

export const REQUIRES_ACTION = 'gateway:requiresAction';

/** Only callers whose policies allow `action` on the selected resource reach the handler. */
export const RequiresAction = (
  action: string,
  resource: ResourceSelector = { kind: 'static', resource: '*' },
  context?: ActionRequirement['context'],
): MethodDecorator =>
  SetMetadata(REQUIRES_ACTION, {
    action,
    resource,
    ...(context ? { context } : {}),
  } satisfies ActionRequirement);

/** The action name of {@link RequiresAuthentication} (defined with the pipeline's endpoint types). */
export { AUTHENTICATED };

/** Any authenticated caller may use the handler (e.g. `me`); still authenticated and audited. */
export const RequiresAuthentication = (): MethodDecorator =>
  SetMetadata(REQUIRES_ACTION, {
    action: AUTHENTICATED,
    resource: { kind: 'static', resource: '*' },
  } satisfies ActionRequirement);

/** Resource selectors, named once (HOUSE_STYLE §5). */
export const bucketArn = (param = 'bucket'): ResourceSelector => ({ kind: 'bucket', param });
export const parentBucketArn = (): ResourceSelector => ({ kind: 'parentBucket' });
export const eachBucketArn = (): ResourceSelector => ({ kind: 'eachBucket' });
