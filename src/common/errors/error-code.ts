/** Domain error codes. Each maps to one HTTP status and one GraphQL code in error-mapping.ts. */
export enum ErrorCode {
  ValidationFailed = 'ValidationFailed',
  PreflightFailed = 'PreflightFailed',
  Unauthenticated = 'Unauthenticated',
  AccessDenied = 'AccessDenied',
  BucketNotFound = 'BucketNotFound',
  ReplicationRuleNotFound = 'ReplicationRuleNotFound',
  PrincipalNotFound = 'PrincipalNotFound',
  RouteNotFound = 'RouteNotFound',
  ReplicationConflict = 'ReplicationConflict',
  UpstreamRejectedInput = 'UpstreamRejectedInput',
  UpstreamError = 'UpstreamError',
  UpstreamTimeout = 'UpstreamTimeout',
  AuditUnavailable = 'AuditUnavailable',
  RateLimited = 'RateLimited',
  Internal = 'Internal',
}

/** The transport-neutral codes of DESIGN.md §2: REST `code` and GraphQL `extensions.code`. */
export const PUBLIC_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
] as const;

export type PublicErrorCode = (typeof PUBLIC_ERROR_CODES)[number];
