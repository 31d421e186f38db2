import { maxHeaderSize, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyInstance,
  FastifyHttpOptions,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import { problemHeaders, renderProblem, sendProblem } from '../errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../errors/domain-error.js';
import { toDomainError } from '../errors/to-domain-error.js';
import type { GatewayRequest } from '../request-context/request-facts.js';
import { jsonLimitProblem } from './json-limits.js';
import { JSON_MEDIA_TYPE, MAX_BODY_BYTES } from './limits.js';
import { installLoadShedding, type LoadSheddingOptions } from './load-shedding.js';
import { clientRequestIdOf, requestIdGenerator, type RequestIdPolicy } from './request-id.js';
import { installCors, installSecurityHeaders, isCorsCatchAll } from './security-headers.js';

/*
 * The HTTP edge (DESIGN §9): what Fastify and Node answer on their own before any route runs
 * (a path parameter over the router's limit, a bad URL, headers over Node's limit, a request or its
 * headers not received in time, a request while the server closes or is overloaded, a body of the
 * wrong size, type, shape or depth, a duplicated credential header, a known path with a wrong method)
 * answers like every other error: problem+json through the one error table, with an x-request-id.
 */

/** How long the server waits for a client (DESIGN §9), each configurable. */
export interface HttpEdgeTimeouts {
  /** From the connection (or the previous request) to the end of the request's headers. */
  headersMs: number;
  /** For the whole request, headers and body; after it the answer may take as long as it takes. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

export interface HttpEdgeOptions {
  /** The longest path parameter (decoded, in UTF-16 code units) the router matches. */
  maxParamLength: number;
  /** Mints request ids, and says whose `X-Request-Id` is honoured. */
  requestIds: RequestIdPolicy;
  timeouts: HttpEdgeTimeouts;
  /** Called for each request the edge refuses, with why (for the metric). */
  onRejected: (reason: string) => void;
}

/** The longest a timed-out request waits for the server to notice (Node checks on an interval). */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The headers a request may carry at most once: two credentials or two hosts are ambiguous. */
const SINGLE_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'Authorization',
  'x-api-key': 'X-Api-Key',
  host: 'Host',
};

/**
 * The first of Authorization, X-Api-Key or Host that the request carries more than once (Node keeps
 * only one of them in `headers`, so this reads the raw list), or undefined.
 */
export function duplicatedHeader(rawHeaders: readonly string[]): string | undefined {
  let seen: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = SINGLE_HEADERS[rawHeaders[i].toLowerCase()];
    if (name === undefined) {
      continue;
    }
    seen ??= new Set();
    if (seen.has(name)) {
      return name;
    }
    seen.add(name);
  }
  return undefined;
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
export function httpEdgeServerOptions(options: HttpEdgeOptions): FastifyHttpOptions<Server> {
  const { headersMs, requestMs, keepAliveMs } = options.timeouts;
  return {
    bodyLimit: MAX_BODY_BYTES,
    genReqId: requestIdGenerator(options.requestIds),
    requestIdHeader: false,
    // Node's own timers: the headers, then the whole request; an idle keep-alive connection.
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // Node looks for timed-out requests on an interval (30 s by default): often enough to keep the bounds.
      connectionsCheckingInterval: Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, headersMs, requestMs),
    },
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
      const problem = clientErrorOf(error);
      options.onRejected(problem.code);
      answerOnSocket(socket, problem, options.requestIds.mint());
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
    if (isCorsCatchAll([route.method].flat()[0] ?? '', route.url)) {
      return;
    }
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

export interface HttpEdgeInstallOptions {
  /** Browser origins allowed by CORS (GATEWAY_CORS_ORIGINS); none → no CORS headers. */
  corsOrigins: readonly string[];
  loadShedding: Omit<LoadSheddingOptions, 'onShed'>;
  /** Called for each request the edge refuses, with why (for the metric). */
  onRejected: (reason: string) => void;
}

/**
 * Installs the edge on the Fastify instance, before Nest registers its routes. Its `onRequest` hooks
 * run in this order, ahead of authentication and of any body: 503 while closing; the request id
 * (and the caller's own as `clientRequestId`); the answer headers and CORS (a preflight is answered
 * here); 503 OVERLOADED under pressure; 400 for a duplicated Authorization, X-Api-Key or Host;
 * 405 with `Allow` for a known path with a wrong method. Then the only body parser (JSON objects
 * within the size, depth and key limits).
 */
export function installHttpEdge(fastify: FastifyInstance, options: HttpEdgeInstallOptions): void {
  const rejected = options.onRejected;
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
      // Depth and key count are checked on the text, before parsing: nothing deeper than the limit
      // ever reaches the parser, the transformer or the validator.
      const problem = jsonLimitProblem(body);
      if (problem !== undefined) {
        rejected('JsonLimit');
        done(new DomainError(ErrorCode.ValidationFailed, problem));
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

  fastify.addHook('onRequest', (req: GatewayRequest, reply, done) => {
    // Set when the request arrives, so every answer carries it (errors and 404s included) without an
    // onSend hook in the way of each payload.
    void reply.header('x-request-id', req.id);
    const clientRequestId = clientRequestIdOf(req.headers['x-request-id'], req.id);
    if (clientRequestId !== undefined) {
      req.gateway ??= {};
      req.gateway.clientRequestId = clientRequestId;
    }
    if (closing) {
      done(new DomainError(ErrorCode.ShuttingDown, 'The gateway is shutting down; send the request again.'));
      return;
    }
    done();
  });

  installSecurityHeaders(fastify);
  installCors(fastify, options.corsOrigins);
  installLoadShedding(fastify, { ...options.loadShedding, onShed: () => rejected(ErrorCode.Overloaded) });

  fastify.addHook('onRequest', (req, _reply, done) => {
    const duplicated = duplicatedHeader(req.raw.rawHeaders);
    if (duplicated !== undefined) {
      rejected('DuplicateHeader');
      done(
        new DomainError(
          ErrorCode.ValidationFailed,
          `The ${duplicated} header is given more than once; send it once.`,
        ),
      );
      return;
    }
    // The CORS plugin's catch-all answers preflights of allowed origins; any other OPTIONS is unrouted.
    if (req.is404 || isCorsCatchAll(req.method, req.routeOptions.url)) {
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
