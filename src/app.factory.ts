import { getHeapStatistics } from 'node:v8';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, ModuleMetadata, LogLevel as NestLogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { Inventory } from './fleet/inventory/inventory.js';
import type { AppConfig } from './config/app.config.js';
import { gatewayValidationPipe } from './common/validation/validation.pipe.js';
import { MetricsService } from './metrics/metrics.service.js';
import { AuditEventIdGenerator } from './audit/audit-event-id.js';
import { setupDocs } from './docs/docs.setup.js';
import { createRootLogger, PinoNestLogger } from './common/logging/logger.js';
import { httpEdgeServerOptions, installHttpEdge } from './common/http/http-edge.js';
import { TrustedProxies } from './auth/caller/client-address.js';
import { MAX_RULE_ID_LENGTH } from './oss/limits.js';
import type { GatewayRequest } from './common/request-context/request-facts.js';
import type { Logger } from 'pino';
import { installAuthenticationBeforeBody } from './request/nest/authenticate-before-body.js';
import { EndpointRegistry } from './request/nest/endpoint-registry.js';
import { RequestPipeline } from './request/request-pipeline.js';

/**
 * The longest path parameter the router matches. The longest value any route accepts is a rule id
 * (255 characters; bucket names have 63). The router measures a parameter after percent-decoding,
 * so encoding costs nothing, but it counts UTF-16 code units while the validator counts characters:
 * 255 characters of the astral planes are 510 units. Longer still is a 414; anything in between
 * reaches the validator, which names the field and its limit.
 */
const MAX_PATH_PARAM_LENGTH = 2 * MAX_RULE_ID_LENGTH;

export interface CreateAppOptions {
  /**
   * Nest's logger. Default: the structured JSON logger (pino) at LOG_LEVEL, plus one access-log line
   * per request. Tests and benchmarks pass `false` or a level list and get no access log.
   */
  logger?: LoggerService | NestLogLevel[] | false;
  /**
   * Modules imported ahead of the application's own: their global guards run before the request
   * pipeline's (how the tests show that every route and resolver goes through every global guard).
   */
  imports?: ModuleMetadata['imports'];
  /**
   * What the fleet reads and the sampler samples, instead of the OSS-listing inventory: benchmarks
   * and tests that need a fleet of a given shape (an `InMemoryInventory`).
   */
  inventory?: Inventory;
  /**
   * The process's root logger (main.ts passes it, to flush it before printing the banner). Default: one
   * made at LOG_LEVEL. Unused when `logger` is given.
   */
  rootLogger?: Logger;
}

/** Load shedding's heap threshold unless configured: 90% of the V8 heap limit of this process. */
function defaultMaxHeapUsedBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.9);
}

/** Builds the Nest application (used by main.ts, the tests and the benchmarks alike). */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const root =
    options.logger === undefined
      ? (options.rootLogger ?? createRootLogger(config.server.logLevel))
      : undefined;
  // Minted request ids are time-ordered UUIDs (v7): they index cheaply in the audit store.
  const requestIds = new AuditEventIdGenerator();
  // The edge counts what it refuses; the metrics exist once the app does (Node's client errors come later).
  const counted: { metrics?: MetricsService } = {};
  const onRejected = (reason: string): void => {
    counted.metrics?.edgeRejections.inc({ reason });
  };
  // The same proxies whose X-Forwarded-For is believed: only their X-Request-Id is honoured.
  const trusted = new TrustedProxies(config.server.trustedProxies);
  const adapter = new FastifyAdapter(
    httpEdgeServerOptions({
      maxParamLength: MAX_PATH_PARAM_LENGTH,
      requestIds: {
        trustsPeer: (peer) => peer !== undefined && trusted.has(peer),
        mint: () => requestIds.next(),
      },
      timeouts: config.server.timeouts,
      onRejected,
    }),
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports, options.inventory ? { inventory: options.inventory } : {}),
    adapter,
    {
      logger: root ? new PinoNestLogger(root.child({ component: 'nest' })) : options.logger,
      abortOnError: false,
      // The edge installs the only body parser (JSON objects; anything else is 415).
      bodyParser: false,
    },
  );
  app.useGlobalPipes(gatewayValidationPipe);
  // Process signals are main.ts's business (SIGTERM/SIGINT shut down, SIGHUP reloads the principals).

  const fastify = app.getHttpAdapter().getInstance();
  const appMetrics = app.get(MetricsService);
  counted.metrics = appMetrics;
  const httpDuration = appMetrics.httpDuration;
  const { maxHeapUsedBytes, ...loadShedding } = config.server.loadShedding;
  installHttpEdge(fastify, {
    corsOrigins: config.server.corsOrigins,
    loadShedding: { ...loadShedding, maxHeapUsedBytes: maxHeapUsedBytes ?? defaultMaxHeapUsedBytes() },
    onRejected,
  });
  installAuthenticationBeforeBody(fastify, app.get(EndpointRegistry), app.get(RequestPipeline), {
    graphqlPath: '/graphql',
    graphqlExplorer: config.graphqlExplorer,
  });
  // Callback-style hooks (not async): they run on every request, and need no promise.
  fastify.addHook('onResponse', (req, reply, done) => {
    // observe(labels, value) rather than labels(…).observe(…): no per-request child closures.
    httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  const access = root?.child({ component: 'http' });
  if (access?.isLevelEnabled('info')) {
    // One access-log line per request (credentials are never part of it).
    fastify.addHook('onResponse', (req: GatewayRequest, reply, done) => {
      const caller = req.gateway?.caller as { principalId?: string } | undefined;
      const clientRequestId = req.gateway?.clientRequestId;
      access.info(
        {
          requestId: req.id,
          method: req.method,
          route: req.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          ...(caller?.principalId ? { principal: caller.principalId } : {}),
          ...(clientRequestId !== undefined ? { clientRequestId } : {}),
        },
        'request completed',
      );
      done();
    });
  }
  setupDocs(app, config);
  return app;
}
