import { HttpException } from '@nestjs/common';
import { JSON_MEDIA_TYPE, MAX_BODY_BYTES } from '../http/limits.js';
import { DomainError, ErrorCode } from './domain-error.js';

function fromHttpException(error: HttpException): DomainError {
  const status = error.getStatus();
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? String(response.message)
      : error.message;
  switch (status) {
    case 400:
      return new DomainError(ErrorCode.ValidationFailed, message);
    case 401:
      return new DomainError(ErrorCode.Unauthenticated, message);
    case 404:
      return new DomainError(ErrorCode.RouteNotFound, message);
    case 408:
      return new DomainError(ErrorCode.RequestTimeout, message);
    case 413:
      return new DomainError(ErrorCode.PayloadTooLarge, message);
    case 414:
      return new DomainError(ErrorCode.UriTooLong, message);
    case 415:
      return new DomainError(ErrorCode.UnsupportedMediaType, message);
    case 431:
      return new DomainError(ErrorCode.HeadersTooLarge, message);
    case 429:
      return new DomainError(ErrorCode.RateLimited, message);
    default:
      return new DomainError(ErrorCode.Internal, message, {}, { cause: error });
  }
}

/**
 * What Fastify's own errors mean, in the gateway's words (Fastify's messages name its internals, or
 * echo the whole URL back). Errors it does not list keep their message.
 */
const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `The request body is larger than the limit of ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: `The request body must be ${JSON_MEDIA_TYPE}.`,
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The body is not as long as its Content-Length says.',
  FST_ERR_MAX_PARAM_LENGTH: 'A segment of the path is longer than any value the API accepts.',
  FST_ERR_BAD_URL: 'The path is not a valid URL (malformed percent-encoding).',
};

interface FrameworkError {
  statusCode: unknown;
  code?: unknown;
  message?: unknown;
}

/** An error Fastify (or a plugin) raised with a client-error status. */
function isFrameworkError(error: unknown): error is FrameworkError {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) {
    return false;
  }
  const status = Number(error.statusCode);
  return status >= 400 && status < 500;
}

function fromFrameworkError(error: FrameworkError): DomainError {
  const status = Number(error.statusCode);
  const message =
    (typeof error.code === 'string' ? FRAMEWORK_MESSAGES[error.code] : undefined) ??
    (typeof error.message === 'string' ? error.message : `HTTP ${status}`);
  return fromHttpException(new HttpException(message, status));
}

/**
 * Any thrown value → a DomainError (unknown errors become Internal and keep the cause for the log).
 * OSS errors never reach here: the ports' adapters in `src/upstream` translate them where they occur.
 */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) {
    return error;
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (a body too large, an unsupported media type) in an HttpException.
    return isFrameworkError(error.cause) ? fromFrameworkError(error.cause) : fromHttpException(error);
  }
  // Fastify's own errors (the router's 414, a bad URL) carry statusCode.
  if (isFrameworkError(error)) {
    return fromFrameworkError(error);
  }
  return new DomainError(ErrorCode.Internal, 'An unexpected error occurred.', {}, { cause: error });
}
