import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  RouteOptions,
} from 'fastify';
import { problemHeaders, renderProblem, sendProblem } from '../errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../errors/domain-error.js';
import { toDomainError } from '../errors/to-domain-error.js';
import { JSON_MEDIA_TYPE, MAX_BODY_BYTES } from './limits.js';

/*
 * The HTTP edge (DESIGN §9): what Fastify and Node answer on their own before any route runs
 * (a path parameter over the router's limit, a bad URL, headers over Node's limit, a request while
 * the server closes, a body of the wrong size, type or shape, a known path with a wrong method)
 * answers like every other error: problem+json through the one error table, with an x-request-id.
 */

export interface HttpEdgeOptions {
  /** The longest path parameter (decoded, in UTF-16 code units) the router matches. */
  maxParamLength: number;
  /** Mints a request id for answers given before Fastify made a request (Node's client errors). */
  mintRequestId: () => string;
}

/** Node's own client errors (a connection, not yet a request) → what they mean to the caller. */
function clientErrorOf(error: { code?: string }): DomainError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new DomainError(
      ErrorCode.HeadersTooLarge,
      `The request line and headers are larger than the limit of ${maxHeaderSize / 1024} KiB.`,
    );
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new DomainError(ErrorCode.RequestTimeout, 'The request was not received in time.');
  }
  return new DomainError(ErrorCode.ValidationFailed, 'The request is not valid HTTP.');
}

/** Writes a problem answer on a raw socket (Node's client errors have no request or reply yet). */
function answerOnSocket(socket: Socket, error: DomainError, requestId: string): void {
  const problem = renderProblem(error, requestId);
  const body = JSON.stringify(problem);
  const headers: Record<string, string | number> = {
    ...problemHeaders(error, requestId),
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n${head}\r\n${body}`);
}

/** The Fastify server options of the edge: limits, and where Fastify's and Node's own answers go. */
export function httpEdgeServerOptions(options: HttpEdgeOptions): FastifyServerOptions {
  return {
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: options.maxParamLength },
    // Closing is answered by the edge's own hook (see installHttpEdge), through the error table.
    return503OnClosing: false,
    // The router's answers: a parameter over maxParamLength (414), a malformed URL (400).
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      sendProblem(reply, toDomainError(error), request.id);
    },
    // Node's answers: headers too large (431), a request timeout (408), a malformed request (400).
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
        socket.destroy();
        return;
      }
      answerOnSocket(socket, clientErrorOf(error), options.mintRequestId());
    },
  };
}

/** A registered route path, split into segments: `:name` matches any one segment, `*` the rest. */
type RoutePattern = readonly string[];

function segmentsOf(path: string): string[] {
  const end = path.indexOf('?');
  return (end === -1 ? path : path.slice(0, end)).split('/');
}

function matches(pattern: RoutePattern, segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i += 1) {
    const part = pattern[i];
    if (part === '*') {
      return true;
    }
    const segment = segments[i];
    if (segment === undefined || (part.startsWith(':') ? segment === '' : part !== segment)) {
      return false;
    }
  }
  return pattern.length === segments.length;
}

/** Which methods each registered path answers (HEAD with GET, as Fastify exposes it). */
class RouteMethods {
  private readonly byPath = new Map<string, { pattern: RoutePattern; methods: Set<string> }>();

  add(route: RouteOptions): void {
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    let entry = this.byPath.get(route.url);
    if (!entry) {
      entry = { pattern: segmentsOf(route.url), methods: new Set() };
      this.byPath.set(route.url, entry);
    }
    for (const method of methods) {
      entry.methods.add(method);
      if (method === 'GET') {
        entry.methods.add('HEAD');
      }
    }
  }

  /** The methods the routes matching this path answer (empty when no route has the path). */
  allowedFor(path: string): string[] {
    const segments = segmentsOf(path);
    const allowed = new Set<string>();
    for (const { pattern, methods } of this.byPath.values()) {
      if (matches(pattern, segments)) {
        methods.forEach((m) => allowed.add(m));
      }
    }
    return [...allowed].sort();
  }
}

function describeJson(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Installs the edge on the Fastify instance, before Nest registers its routes: the only body parser
 * (JSON objects), 405 with `Allow` for a known path with a wrong method, 503 while closing.
 */
export function installHttpEdge(fastify: FastifyInstance): void {
  // Only JSON: any other media type (Fastify's own text/plain parser included) is 415. An empty body
  // is no body (clients send `content-type: application/json` on a DELETE); anything but an object
  // is refused here, once, for every route and GraphQL alike.
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    JSON_MEDIA_TYPE,
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (req: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) => {
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      void parseJson(req, body, (error: Error | null, value?: unknown) => {
        if (error) {
          done(error);
        } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          done(
            new DomainError(
              ErrorCode.ValidationFailed,
              `The body must be a JSON object, not ${describeJson(value)}.`,
            ),
          );
        } else {
          done(null, value);
        }
      });
    },
  );

  const routes = new RouteMethods();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    routes.add(route);
  });

  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  fastify.addHook('onRequest', (req, _reply, done) => {
    if (closing) {
      done(new DomainError(ErrorCode.ShuttingDown, 'The gateway is shutting down; send the request again.'));
      return;
    }
    if (req.is404) {
      const allow = routes.allowedFor(req.url);
      if (allow.length > 0) {
        done(
          new DomainError(
            ErrorCode.MethodNotAllowed,
            `${req.method} is not allowed on this path; it answers ${allow.join(', ')}.`,
            { allow },
          ),
        );
        return;
      }
    }
    done();
  });
}
