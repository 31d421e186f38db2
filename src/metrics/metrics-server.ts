import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { problemHeaders, renderProblem } from '../common/errors/all-exceptions.filter.js';
import { MetricsService } from './metrics.service.js';

export const METRICS_PATH = '/metrics';

/**
 * `/metrics` on a port of its own (METRICS_PORT, on HOST), so the API port need not expose it: a
 * plain node:http server that answers `GET /metrics` and nothing else. It listens once the app has
 * started and closes with it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The port it listens on (METRICS_PORT, or the one the system chose for 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const error =
        path !== METRICS_PATH
          ? new DomainError(ErrorCode.RouteNotFound, 'This port serves only GET /metrics.')
          : req.method !== 'GET' && req.method !== 'HEAD'
            ? new DomainError(ErrorCode.MethodNotAllowed, `${req.method} is not allowed on /metrics.`, {
                allow: ['GET', 'HEAD'],
              })
            : undefined;
      if (error) {
        const problem = renderProblem(error, undefined);
        res.writeHead(problem.status, {
          ...problemHeaders(error, undefined),
          'content-type': 'application/problem+json; charset=utf-8',
        });
        res.end(JSON.stringify(problem));
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, {
            'content-type': this.metrics.registry.contentType,
            'cache-control': 'no-store',
          });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (cause: unknown) => {
          this.logger.error({ err: cause }, 'metrics could not be collected');
          res.writeHead(500).end();
        },
      );
    });
    const { host, metricsPort } = this.config.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(metricsPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.port}${METRICS_PATH}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
