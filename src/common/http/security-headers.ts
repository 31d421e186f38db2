import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** The methods the API answers to a browser allowed by CORS. */
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The request headers a browser may send cross-origin: credentials, idempotency, tracing. */
const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'X-Api-Key',
  'Content-Type',
  'Idempotency-Key',
  'X-Request-Id',
];

/** The answer headers a cross-origin script may read. */
const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Location',
  'WWW-Authenticate',
];

/** How long a browser may keep a preflight's answer. */
const CORS_MAX_AGE_SECONDS = 600;

/**
 * The headers of every answer (DESIGN §9): helmet's (`X-Content-Type-Options: nosniff`, a frame and
 * referrer policy, and a Content-Security-Policy that lets a JSON answer load nothing) and
 * `Cache-Control: no-store` — API answers carry credentials' results and are never cached. The
 * documentation pages (`/docs`, the Playground) set their own CSP and caching over these.
 * HSTS is left to whatever terminates TLS in front of the gateway, which alone knows the scheme.
 */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  void fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    strictTransportSecurity: false,
  });
  fastify.addHook('onRequest', (_req, reply, done) => {
    void reply.header('cache-control', 'no-store');
    done();
  });
}

/**
 * CORS for the browser origins in GATEWAY_CORS_ORIGINS (exact `scheme://host[:port]` values). None
 * configured: no CORS headers at all. A refused origin gets no `Access-Control-Allow-Origin` and its
 * preflight is not answered as one, so the browser keeps the answer from the page.
 */
export function installCors(fastify: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) {
    return;
  }
  const allowed = new Set(origins);
  void fastify.register(cors, {
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowed.has(origin));
    },
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    // A preflight from an allowed origin without Access-Control-Request-Method is still answered as
    // one, rather than with the plugin's plain-text 400.
    strictPreflight: false,
  });
}

/** Whether a route is the CORS plugin's catch-all `OPTIONS *` (not a route of the API). */
export function isCorsCatchAll(method: string, url: string | undefined): boolean {
  return method === 'OPTIONS' && url === '*';
}
