import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../common/errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import { PLAYGROUND_OFF_MESSAGE } from './graphql-explorer.js';
import { buildOpenApiDocument, serializeOpenApi } from './openapi.js';
import { loadPlaygroundAssets, renderPlayground } from './playground.js';
import { serveAssets } from './static-assets.js';
import {
  DOCS_PATH,
  OPENAPI_JSON_PATH,
  SWAGGER_UI_CSP,
  loadSwaggerUiAssets,
  swaggerUiHtml,
} from './swagger-ui.js';

export const GRAPHQL_PATH = '/graphql';

const configured = new WeakSet<object>();

/**
 * A browser asking for the GraphQL endpoint: `GET /graphql` (no `query` parameter) that accepts HTML.
 * Everything else — POST, and GET with a query — goes on to Apollo.
 */
export function wantsPlayground(method: string, url: string, accept: string | undefined): boolean {
  if (method !== 'GET' || !url.startsWith(GRAPHQL_PATH)) {
    return false;
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== GRAPHQL_PATH && path !== `${GRAPHQL_PATH}/`) {
    return false;
  }
  if (q >= 0 && new URLSearchParams(url.slice(q + 1)).has('query')) {
    return false;
  }
  return accept !== undefined && accept.includes('text/html');
}

function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/**
 * Registers the API documentation surfaces on the app's Fastify instance:
 * - `GET /docs` (Swagger UI from `swagger-ui-dist`), `GET /docs/openapi.json` (the OpenAPI document);
 * - `GET /graphql` from a browser → GraphQL Playground, with its assets under `/graphql/playground/…`,
 *   when the GraphQL explorer is on (`GATEWAY_GRAPHQL_EXPLORER`); off, that request is a 404 problem
 *   saying how to turn it on, and the assets are not served.
 *
 * They are raw Fastify routes and one `onRequest` hook, not Nest handlers: they serve fixed public
 * files and never reach the guard, so the permission snapshot (which lists Nest handlers) is not
 * affected. Call before `app.init()`/`listen()`; a second call on the same app does nothing.
 */
export function setupDocs(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'mode' | 'graphqlExplorer'>,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  if (configured.has(fastify)) {
    return;
  }
  configured.add(fastify);

  // OpenAPI: built on first request (every module is registered by then), then cached.
  let openApiJson: string | undefined;
  fastify.get(OPENAPI_JSON_PATH, (_req: FastifyRequest, reply: FastifyReply) => {
    openApiJson ??= serializeOpenApi(buildOpenApiDocument(app));
    return reply
      .header('cache-control', 'no-cache')
      .header('access-control-allow-origin', '*')
      .type('application/json; charset=utf-8')
      .send(openApiJson);
  });
  const docsHtml = swaggerUiHtml();
  const docsHeaders = securityHeaders(SWAGGER_UI_CSP);
  for (const url of [DOCS_PATH, `${DOCS_PATH}/`]) {
    fastify.get(url, (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .headers(docsHeaders)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(docsHtml),
    );
  }
  serveAssets(fastify, loadSwaggerUiAssets());

  // GraphQL Playground.
  if (!config.graphqlExplorer) {
    fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (wantsPlayground(req.method, req.url, req.headers.accept)) {
        sendProblem(reply, new DomainError(ErrorCode.RouteNotFound, PLAYGROUND_OFF_MESSAGE), req.id);
        return;
      }
      done();
    });
    return;
  }
  const page = renderPlayground({ endpoint: GRAPHQL_PATH, embedded: config.mode === 'embedded' });
  const pageHeaders = securityHeaders(page.contentSecurityPolicy);
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (wantsPlayground(req.method, req.url, req.headers.accept)) {
      void reply
        .headers(pageHeaders)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(page.html);
      return;
    }
    done();
  });
  serveAssets(fastify, loadPlaygroundAssets());
}
