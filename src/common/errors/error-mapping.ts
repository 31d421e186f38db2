import { ErrorCode, type PublicErrorCode } from './error-code.js';

export interface ErrorMapping {
  httpStatus: number;
  publicCode: PublicErrorCode;
  title: string;
  /** Whether the error's own message may be shown to the caller (false → a generic text). */
  exposeMessage: boolean;
}

/** The single table from domain code to transport. The Record type makes it exhaustive. */
export const ERROR_MAPPING: Record<ErrorCode, ErrorMapping> = {
  [ErrorCode.ValidationFailed]: {
    httpStatus: 400,
    publicCode: 'BAD_USER_INPUT',
    title: 'Invalid request',
    exposeMessage: true,
  },
  [ErrorCode.PayloadTooLarge]: {
    httpStatus: 413,
    publicCode: 'PAYLOAD_TOO_LARGE',
    title: 'Request body too large',
    exposeMessage: true,
  },
  [ErrorCode.UnsupportedMediaType]: {
    httpStatus: 415,
    publicCode: 'UNSUPPORTED_MEDIA_TYPE',
    title: 'Unsupported media type',
    exposeMessage: true,
  },
  [ErrorCode.UriTooLong]: {
    httpStatus: 414,
    publicCode: 'URI_TOO_LONG',
    title: 'URI too long',
    exposeMessage: true,
  },
  [ErrorCode.HeadersTooLarge]: {
    httpStatus: 431,
    publicCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    title: 'Request headers too large',
    exposeMessage: true,
  },
  [ErrorCode.RequestTimeout]: {
    httpStatus: 408,
    publicCode: 'REQUEST_TIMEOUT',
    title: 'Request timeout',
    exposeMessage: true,
  },
  [ErrorCode.MethodNotAllowed]: {
    httpStatus: 405,
    publicCode: 'METHOD_NOT_ALLOWED',
    title: 'Method not allowed',
    exposeMessage: true,
  },
  [ErrorCode.PreflightFailed]: {
    httpStatus: 400,
    publicCode: 'BAD_USER_INPUT',
    title: 'Pre-flight checks failed',
    exposeMessage: true,
  },
  [ErrorCode.UpstreamRejectedInput]: {
    httpStatus: 400,
    publicCode: 'BAD_USER_INPUT',
    title: 'OSS rejected the request',
    exposeMessage: true,
  },
  [ErrorCode.Unauthenticated]: {
    httpStatus: 401,
    publicCode: 'UNAUTHENTICATED',
    title: 'Authentication required',
    exposeMessage: true,
  },
  [ErrorCode.AccessDenied]: {
    httpStatus: 403,
    publicCode: 'FORBIDDEN',
    title: 'Access denied',
    exposeMessage: true,
  },
  [ErrorCode.BucketNotFound]: {
    httpStatus: 404,
    publicCode: 'NOT_FOUND',
    title: 'Bucket not found',
    exposeMessage: true,
  },
  [ErrorCode.ReplicationRuleNotFound]: {
    httpStatus: 404,
    publicCode: 'NOT_FOUND',
    title: 'Replication rule not found',
    exposeMessage: true,
  },
  [ErrorCode.PrincipalNotFound]: {
    httpStatus: 404,
    publicCode: 'NOT_FOUND',
    title: 'Principal not found',
    exposeMessage: true,
  },
  [ErrorCode.RouteNotFound]: {
    httpStatus: 404,
    publicCode: 'NOT_FOUND',
    title: 'Not found',
    exposeMessage: true,
  },
  [ErrorCode.ReplicationConflict]: {
    httpStatus: 409,
    publicCode: 'CONFLICT',
    title: 'Replication conflict',
    exposeMessage: true,
  },
  [ErrorCode.RateLimited]: {
    httpStatus: 429,
    publicCode: 'RATE_LIMITED',
    title: 'Rate limit exceeded',
    exposeMessage: true,
  },
  [ErrorCode.UpstreamBudgetExceeded]: {
    httpStatus: 400,
    publicCode: 'BAD_USER_INPUT',
    title: 'Too many upstream calls for one request',
    exposeMessage: true,
  },
  [ErrorCode.UpstreamError]: {
    httpStatus: 502,
    publicCode: 'UPSTREAM_ERROR',
    title: 'OSS upstream error',
    exposeMessage: true,
  },
  [ErrorCode.UpstreamUnavailable]: {
    httpStatus: 503,
    publicCode: 'UPSTREAM_UNAVAILABLE',
    title: 'OSS upstream unavailable',
    exposeMessage: true,
  },
  [ErrorCode.AuditUnavailable]: {
    httpStatus: 503,
    publicCode: 'SERVICE_UNAVAILABLE',
    title: 'Audit store unavailable',
    exposeMessage: true,
  },
  [ErrorCode.AuditBackpressure]: {
    httpStatus: 503,
    publicCode: 'AUDIT_BACKPRESSURE',
    title: 'Audit queue full',
    exposeMessage: true,
  },
  [ErrorCode.IdentityProviderUnavailable]: {
    httpStatus: 503,
    publicCode: 'IDENTITY_PROVIDER_UNAVAILABLE',
    title: 'Identity provider unavailable',
    exposeMessage: true,
  },
  [ErrorCode.ShuttingDown]: {
    httpStatus: 503,
    publicCode: 'SERVICE_UNAVAILABLE',
    title: 'Shutting down',
    exposeMessage: true,
  },
  [ErrorCode.Overloaded]: {
    httpStatus: 503,
    publicCode: 'OVERLOADED',
    title: 'Overloaded',
    exposeMessage: true,
  },
  [ErrorCode.UpstreamTimeout]: {
    httpStatus: 504,
    publicCode: 'UPSTREAM_TIMEOUT',
    title: 'OSS upstream timeout',
    exposeMessage: true,
  },
  [ErrorCode.Internal]: {
    httpStatus: 500,
    publicCode: 'INTERNAL_SERVER_ERROR',
    title: 'Internal error',
    exposeMessage: false,
  },
};

/** problem+json `type` URIs: stable, documented in the README's error table. */
export function problemType(code: ErrorCode): string {
  return `https://oss-replication-gateway.dev/problems/${code.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase())}`;
}
