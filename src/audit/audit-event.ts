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
}

/** A stored event: the input plus its id and the bucket parsed from the resource ARN. */
export interface AuditEvent extends AuditEventInput {
  id: string;
  bucket?: string;
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
  const parts = resource.split(':');
  if (parts.length < 5 || parts[0] !== 'acs' || parts[1] !== 'oss') {
    return undefined;
  }
  const bucket = parts.slice(4).join(':').split('/')[0] ?? '';
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) ? bucket : undefined;
}
