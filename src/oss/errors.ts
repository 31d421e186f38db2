/** Failures on our side of the wire: transport, credentials, deserialisation, invalid input. */
export type OssClientErrorCode =
  | 'NetworkError'
  | 'Timeout'
  | 'Aborted'
  | 'MalformedResponse'
  | 'UnexpectedRoot'
  | 'InvalidBucketName'
  | 'InvalidArgument'
  | 'CredentialsError'
  /** A retryable failure persisted until the retry time budget ran out (the last failure is the `cause`). */
  | 'RetryBudgetExceeded'
  /** The circuit breaker of the operation's endpoint is open: see {@link CircuitOpenError}. */
  | 'CircuitOpen';

export class OssClientError extends Error {
  override readonly name = 'OssClientError';
  readonly code: OssClientErrorCode;

  constructor(code: OssClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The circuit breaker of (operation, endpoint) is open, or half-open with its one probe under way:
 * the call was not sent. When the call's own failure found it open (that attempt did reach OSS, or an
 * earlier attempt did and the breaker refused the retry), that failure is the `cause`. `retryAfterMs`: until the breaker lets a probe through.
 */
export class CircuitOpenError extends OssClientError {
  readonly operation: string;
  readonly endpoint: string;
  readonly retryAfterMs: number;

  constructor(init: { operation: string; endpoint: string; retryAfterMs: number; cause?: unknown }) {
    super(
      'CircuitOpen',
      init.cause === undefined
        ? `The circuit breaker for ${init.operation} at ${init.endpoint} is open after repeated OSS failures; the call was not sent`
        : `The circuit breaker for ${init.operation} at ${init.endpoint} opened on this call's failure; no retry was sent`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.operation = init.operation;
    this.endpoint = init.endpoint;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export interface OssServiceErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  hostId?: string;
  ec?: string;
  /** Further `<Error>` children (e.g. `BucketName`, `ServerTime`, `SourceBucket`), as strings. */
  details?: Record<string, string>;
  /**
   * Children of a nested `<AccessDeniedDetail>` (`PolicyType`, `AuthAction`, `NoPermissionType`,
   * `AuthPrincipalType`, `EncodedDiagnosticMessage`, …): why OSS itself denied the request.
   */
  accessDeniedDetail?: Record<string, string>;
  /** The server's clock as reported by the error (`ServerTime`) or the response (`Date`); used to correct skew. */
  serverTime?: Date;
}

/** A non-2xx answer from OSS (or the emulator), parsed from its `<Error>` body and headers. */
export class OssServiceError extends Error {
  override readonly name = 'OssServiceError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly hostId: string;
  readonly ec: string;
  readonly fault: 'client' | 'server';
  readonly details?: Record<string, string>;
  readonly accessDeniedDetail?: Record<string, string>;
  readonly serverTime?: Date;

  constructor(init: OssServiceErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? '';
    this.hostId = init.hostId ?? '';
    this.ec = init.ec ?? '';
    this.fault = init.status >= 500 ? 'server' : 'client';
    if (init.details && Object.keys(init.details).length > 0) {
      this.details = init.details;
    }
    if (init.accessDeniedDetail) {
      this.accessDeniedDetail = init.accessDeniedDetail;
    }
    if (init.serverTime) {
      this.serverTime = init.serverTime;
    }
  }
}

export function isOssServiceError(error: unknown): error is OssServiceError {
  return error instanceof OssServiceError;
}

export function isOssClientError(error: unknown): error is OssClientError {
  return error instanceof OssClientError;
}
