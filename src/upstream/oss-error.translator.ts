import { CircuitOpenError, OssClientError, OssServiceError } from '../oss/errors.js';
import { DomainError, ErrorCode, type OssErrorDetails } from '../common/errors/domain-error.js';

/** OSS codes meaning "a rule or configuration named by the request does not exist". */
const RULE_NOT_FOUND = new Set([
  'NoSuchReplicationRule',
  'NoSuchReplicationConfiguration',
  'NoReplicationRule',
]);

/** OSS codes meaning "the request clashes with the bucket's current replication state". */
const CONFLICT = new Set([
  'BucketReplicationAlreadyExist',
  'TooManyReplicationRules',
  'TooManyIncomingReplication',
  'TooManyOutgoingReplication',
  'BucketReplicationInClosingStatus',
  'TransferAccAlreadyInUse',
  'BucketAlreadyHasReplicationConfiguration',
]);

/** OSS codes meaning "the input was wrong" (what the caller sent, passed through by the gateway). */
const REJECTED_INPUT = new Set([
  'InvalidTargetBucket',
  'InvalidTargetLocation',
  'BadReplicationLocation',
  'NoReplicationLocation',
  'ReplicationLocationNotSupportRtc',
  'BucketReplicationNotSupportRtc',
  'InvalidArgument',
  'MissingArgument',
  'TooManyPrefixes',
  'TooManyFilterObjectTags',
  'MalformedXML',
  'InvalidBucketName',
  'InvalidBucketStatus',
  'InvalidRequest',
  'InvalidDigest',
]);

/**
 * OSS refusing the gateway's OWN credentials. Never a caller's fault and never a 403 of ours:
 * DESIGN §2 keeps the gateway's denial (403 FORBIDDEN) apart from this (502 UPSTREAM_ERROR).
 */
const CREDENTIALS_REFUSED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'RequestTimeTooSkewed',
  'InvalidSecurityToken',
  'SecurityTokenExpired',
  'AccessKeyIdAndSecurityTokenNotMatch',
  'UserDisable',
  'AccountDisabled',
]);

/** `AuthAction` → `authAction`: the problem's `oss` member speaks camelCase. */
function camelCased(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value]),
  );
}

function ossDetails(error: OssServiceError): OssErrorDetails {
  // Only the documented identifiers: OSS's extra children (StringToSign, OSSAccessKeyId…) stay out.
  const details: OssErrorDetails = {
    code: error.code,
    message: error.message,
    requestId: error.requestId,
    ec: error.ec,
    hostId: error.hostId,
    status: error.status,
  };
  // OSS's own explanation of its denial (policy type, action, deny type, diagnostic message).
  if (error.accessDeniedDetail) {
    details.accessDeniedDetail = camelCased(error.accessDeniedDetail);
  }
  return details;
}

function codeForService(error: OssServiceError): ErrorCode {
  if (error.code === 'NoSuchBucket') {
    return ErrorCode.BucketNotFound;
  }
  if (RULE_NOT_FOUND.has(error.code)) {
    return ErrorCode.ReplicationRuleNotFound;
  }
  if (CONFLICT.has(error.code)) {
    return ErrorCode.ReplicationConflict;
  }
  if (CREDENTIALS_REFUSED.has(error.code)) {
    return ErrorCode.UpstreamError;
  }
  if (REJECTED_INPUT.has(error.code)) {
    return ErrorCode.UpstreamRejectedInput;
  }
  if (error.status === 409) {
    return ErrorCode.ReplicationConflict;
  }
  if (error.status === 400 || error.status === 411 || error.status === 413) {
    return ErrorCode.UpstreamRejectedInput;
  }
  // 401/403 (credentials), other 404s (an endpoint or object we did not name), 429/5xx (OSS itself).
  return ErrorCode.UpstreamError;
}

function messageForService(code: ErrorCode, error: OssServiceError): string {
  if (code !== ErrorCode.UpstreamError) {
    return error.message;
  }
  return error.status === 401 || error.status === 403
    ? `OSS refused the gateway's own credentials (${error.code}): ${error.message}`
    : `OSS failed (${error.code}): ${error.message}`;
}

/**
 * An open circuit breaker: 503 with `Retry-After` (whole seconds until it lets a probe through, at
 * least 1). When this call's own failure opened it, OSS's details of that failure are kept.
 */
function circuitOpen(error: CircuitOpenError): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  // The endpoint stays in metrics and logs: an internal address is nothing callers need to see.
  const oss: OssErrorDetails =
    error.cause instanceof OssServiceError
      ? ossDetails(error.cause)
      : error.cause instanceof OssClientError
        ? { code: error.cause.code, message: error.cause.message }
        : { code: error.code, message: 'The circuit breaker is open: the call was not sent to OSS.' };
  return new DomainError(
    ErrorCode.UpstreamUnavailable,
    `OSS is failing repeatedly for ${error.operation}; the gateway is not calling it for now. Retry after ${retryAfterSeconds} s.`,
    { retryAfterSeconds, oss },
    { cause: error },
  );
}

/** How an OSS failure becomes a domain error; `undefined` for anything that is not an OSS error. */
export function translateOssError(error: unknown): DomainError | undefined {
  if (error instanceof CircuitOpenError) {
    return circuitOpen(error);
  }
  if (error instanceof OssServiceError) {
    const code = codeForService(error);
    return new DomainError(
      code,
      messageForService(code, error),
      { oss: ossDetails(error) },
      { cause: error },
    );
  }
  if (error instanceof OssClientError) {
    const oss: OssErrorDetails = { code: error.code, message: error.message };
    switch (error.code) {
      case 'Timeout':
      case 'RetryBudgetExceeded':
        return new DomainError(
          ErrorCode.UpstreamTimeout,
          `OSS did not answer in time: ${error.message}`,
          { oss },
          { cause: error },
        );
      case 'InvalidBucketName':
        return new DomainError(
          ErrorCode.ValidationFailed,
          error.message,
          { errors: [{ field: 'bucket', message: error.message }], oss },
          { cause: error },
        );
      case 'InvalidArgument':
        return new DomainError(ErrorCode.UpstreamRejectedInput, error.message, { oss }, { cause: error });
      case 'NetworkError':
      case 'CircuitOpen':
      case 'Aborted':
      case 'MalformedResponse':
      case 'UnexpectedRoot':
      case 'CredentialsError':
        return new DomainError(
          ErrorCode.UpstreamError,
          `OSS could not be reached or understood: ${error.message}`,
          { oss },
          { cause: error },
        );
      default:
        return new DomainError(
          ErrorCode.UpstreamError,
          `OSS call failed: ${error.message}`,
          { oss },
          { cause: error },
        );
    }
  }
  return undefined;
}
