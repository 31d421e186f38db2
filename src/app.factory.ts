import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, ModuleMetadata, LogLevel as NestLogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app.config.js';
import { gatewayValidationPipe } from './common/validation/validation.pipe.js';
import { MetricsService } from './metrics/metrics.service.js';
import { AuditEventIdGenerator } from './audit/audit-event-id.js';
import { setupDocs } from './docs/docs.setup.js';
import { createRootLogger, PinoNestLogger } from './common/logging/logger.js';
import { httpEdgeServerOptions, installHttpEdge } from './common/http/http-edge.js';
import { MAX_RULE_ID_LENGTH } from './oss/limits.js';
import type { GatewayRequest } from './common/request-context/request-facts.js';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
   * The process's root logger (main.ts passes it, to flush it before printing the banner). Default: one
   * made at LOG_LEVEL. Unused when `logger` is given.
   */
  rootLogger?: Logger;
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
  const adapter = new FastifyAdapter({
    ...httpEdgeServerOptions({
      maxParamLength: MAX_PATH_PARAM_LENGTH,
      mintRequestId: () => requestIds.next(),
    }),
    // Honour a caller's X-Request-Id when it is well formed, otherwise mint one.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestIds.next();
    },
    requestIdHeader: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports),
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
  installHttpEdge(fastify);
  const metrics = app.get(MetricsService);
  // Callback-style hooks (not async): they run on every request, and need no promise.
  // Set when the request arrives, so every answer carries it (errors and 404s included) without an
  // onSend hook in the way of each payload.
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    // observe(labels, value) rather than labels(…).observe(…): no per-request child closures.
    metrics.httpDuration.observe(
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
      access.info(
        {
          requestId: req.id,
          method: req.method,
          route: req.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          ...(caller?.principalId ? { principal: caller.principalId } : {}),
        },
        'request completed',
      );
      done();
    });
  }
  setupDocs(app, config);
  return app;
}
