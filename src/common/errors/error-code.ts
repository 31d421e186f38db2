/** Domain error codes. Each maps to one HTTP status and one GraphQL code in error-mapping.ts. */
export enum ErrorCode {
  ValidationFailed = 'ValidationFailed',
  PayloadTooLarge = 'PayloadTooLarge',
  UnsupportedMediaType = 'UnsupportedMediaType',
  UriTooLong = 'UriTooLong',
  HeadersTooLarge = 'HeadersTooLarge',
  RequestTimeout = 'RequestTimeout',
  MethodNotAllowed = 'MethodNotAllowed',
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
  IdentityProviderUnavailable = 'IdentityProviderUnavailable',
  ShuttingDown = 'ShuttingDown',
  RateLimited = 'RateLimited',
  Internal = 'Internal',
}

/** The transport-neutral codes of DESIGN.md §2: REST `code` and GraphQL `extensions.code`. */
export const PUBLIC_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'REQUEST_HEADER_FIELDS_TOO_LARGE',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'IDENTITY_PROVIDER_UNAVAILABLE',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
] as const;

export type PublicErrorCode = (typeof PUBLIC_ERROR_CODES)[number];
