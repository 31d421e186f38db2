import { isValidBucketName } from '../oss/limits.js';
import type { AuditChainLink } from './audit-chain.js';

/** One statement that decided an authorization decision (mirrors the RAM engine's decision). */
export interface AuditMatchedStatement {
  /** Policy name, or its index when the document is inline. */
  policy: string;
  /** Index of the statement inside the policy's `Statement` array. */
  statement: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
}

export type AuditDecisionValue = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';
export type AuditTransportValue = 'http' | 'graphql';
export type AuditEventKindValue = 'decision' | 'oss-call';

/** What a producer (the guard, the OSS adapter) hands to `AuditService.record`. */
export interface AuditEventInput {
  time: Date;
  requestId: string;
  /**
   * The caller's own `X-Request-Id` when the gateway did not take it as the request id (a caller that
   * is not a trusted proxy): at most 128 printable characters, for matching the caller's logs.
   */
  clientRequestId?: string;
  transport: AuditTransportValue;
  kind: AuditEventKindValue;
  principal?: string;
  keyId?: string;
  sourceIp?: string;
  userAgent?: string;
  action: string;
  resource: string;
  decision?: AuditDecisionValue;
  matchedStatements?: AuditMatchedStatement[];
  operation?: string;
  outcomeStatus?: number;
  ossRequestId?: string;
  ossErrorCode?: string;
  latencyMs?: number;
  dryRun: boolean;
  /**
   * How many identical decisions of one request this event stands for (GraphQL aliases or repeated
   * fields of one (action, resource)); absent means one.
   */
  repeats?: number;
}

/** A stored event: the input plus its id and the bucket parsed from the resource ARN. */
export interface AuditEvent extends AuditEventInput {
  id: string;
  bucket?: string;
  /** Its place in its instance's hash chain: set by the store when it writes the event. */
  chain?: AuditChainLink;
}

/** Filters of `AuditService.query`; every given field must match (AND). */
export interface AuditEventQueryFilter {
  principal?: string;
  action?: string;
  decision?: AuditDecisionValue;
  bucket?: string;
  kind?: AuditEventKindValue;
  requestId?: string;
  /** Inclusive lower bound on `time`. */
  from?: Date;
  /** Exclusive upper bound on `time`. */
  to?: Date;
}

export interface AuditEventPageResult {
  items: AuditEvent[];
  nextCursor: string | null;
}

/**
 * The bucket named by an OSS resource ARN (`acs:oss:{region}:{account}:{bucket}[/{key}]`), or
 * undefined when the resource names no single bucket (`*`, wildcards, gateway resources).
 */
export function bucketFromResource(resource: string): string | undefined {
  // Index arithmetic instead of split/join: this runs for every audit event.
  if (!resource.startsWith('acs:oss:')) {
    return undefined;
  }
  const afterRegion = resource.indexOf(':', 8);
  const afterAccount = afterRegion < 0 ? -1 : resource.indexOf(':', afterRegion + 1);
  if (afterAccount < 0) {
    return undefined;
  }
  const slash = resource.indexOf('/', afterAccount + 1);
  const bucket = resource.slice(afterAccount + 1, slash < 0 ? undefined : slash);
  return isValidBucketName(bucket) ? bucket : undefined;
}
