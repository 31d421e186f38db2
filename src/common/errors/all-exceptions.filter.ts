import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import { isGraphql, requestOf } from '../request-context/request-facts.js';
import { type DomainError, ErrorCode } from './domain-error.js';
import { ERROR_MAPPING, problemType } from './error-mapping.js';
import { toDomainError } from './to-domain-error.js';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  reason: ErrorCode;
  requestId?: string;
  [extension: string]: unknown;
}

/** Renders a domain error as RFC 9457 problem+json (REST) or a GraphQL error (same fields under extensions). */
export function renderProblem(error: DomainError, requestId: string | undefined): ProblemDocument {
  const mapping = ERROR_MAPPING[error.code];
  return {
    type: problemType(error.code),
    title: mapping.title,
    status: mapping.httpStatus,
    detail: mapping.exposeMessage ? error.message : 'An unexpected error occurred.',
    code: mapping.publicCode,
    reason: error.code,
    ...(requestId ? { requestId } : {}),
    ...(mapping.exposeMessage ? error.details : {}),
  };
}

/**
 * The headers an error's answer carries besides the problem itself: `WWW-Authenticate` on 401,
 * `Allow` on 405 (`details.allow`), `Retry-After` when the error says when to come back
 * (`details.retryAfterSeconds`), and the request id.
 */
export function problemHeaders(error: DomainError, requestId: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.code === ErrorCode.Unauthenticated) {
    headers['www-authenticate'] = 'Bearer realm="oss-replication-gateway", ApiKey header="X-Api-Key"';
  }
  const { allow, retryAfterSeconds } = error.details;
  if (Array.isArray(allow)) {
    headers.allow = allow.join(', ');
  }
  if (typeof retryAfterSeconds === 'number') {
    headers['retry-after'] = String(retryAfterSeconds);
  }
  if (requestId) {
    headers['x-request-id'] = requestId;
  }
  return headers;
}

/** Answers a REST request with the problem+json rendering of `error` (the filter, and the HTTP edge). */
export function sendProblem(reply: FastifyReply, error: DomainError, requestId: string | undefined): void {
  const problem = renderProblem(error, requestId);
  void reply
    .headers(problemHeaders(error, requestId))
    .status(problem.status)
    .type('application/problem+json')
    .send(problem);
}

/**
 * Answers a GraphQL request refused before its document is read (401 at the edge) as a GraphQL
 * request error: `errors` with the problem's fields under `extensions`, no `data`, the problem's
 * status and headers, `application/json` (GraphQL clients read it; it is not problem+json).
 */
export function sendGraphqlRequestError(
  reply: FastifyReply,
  error: DomainError,
  requestId: string | undefined,
): void {
  const { detail, code, ...rest } = renderProblem(error, requestId);
  void reply
    .headers(problemHeaders(error, requestId))
    .status(rest.status)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ message: detail, extensions: { ...rest, code } }] });
}

/** The one global filter: every error of every transport goes through the ERROR_MAPPING table. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const error = toDomainError(exception);
    const req = requestOf(host);
    const requestId = req?.id;
    if (error.code === ErrorCode.Internal) {
      this.logger.error({ requestId, err: error.cause ?? error }, 'unhandled error');
    }
    if (isGraphql(host)) {
      const { detail, code, ...rest } = renderProblem(error, requestId);
      return new GraphQLError(detail, { extensions: { ...rest, code } });
    }
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), error, requestId);
    return undefined;
  }
}
