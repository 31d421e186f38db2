import { HttpException } from '@nestjs/common';
import { DomainError, ErrorCode } from './domain-error.js';

type Translator = (error: unknown) => DomainError | undefined;
const translators: Translator[] = [];

/** Infrastructure layers (the OSS adapter) register how their errors become domain errors. */
export function registerErrorTranslator(translator: Translator): void {
  translators.push(translator);
}

function fromHttpException(error: HttpException): DomainError {
  const status = error.getStatus();
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? String(response.message)
      : error.message;
  switch (status) {
    case 400:
    case 413:
    case 415:
      return new DomainError(ErrorCode.ValidationFailed, message);
    case 401:
      return new DomainError(ErrorCode.Unauthenticated, message);
    case 404:
      return new DomainError(ErrorCode.RouteNotFound, message);
    case 429:
      return new DomainError(ErrorCode.RateLimited, message);
    default:
      return new DomainError(ErrorCode.Internal, message, {}, { cause: error });
  }
}

/** Any thrown value → a DomainError (unknown errors become Internal and keep the cause for the log). */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) {
    return error;
  }
  for (const translate of translators) {
    const translated = translate(error);
    if (translated) {
      return translated;
    }
  }
  if (error instanceof HttpException) {
    return fromHttpException(error);
  }
  // Fastify's own errors (body too large, bad JSON, unsupported media type) carry statusCode.
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = Number(error.statusCode);
    if (status >= 400 && status < 500) {
      return fromHttpException(
        new HttpException(error instanceof Error ? error.message : `HTTP ${status}`, status),
      );
    }
  }
  return new DomainError(ErrorCode.Internal, 'An unexpected error occurred.', {}, { cause: error });
}
