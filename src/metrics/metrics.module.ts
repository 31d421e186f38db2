import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app.config.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { MetricsService } from './metrics.service.js';

/**
 * The metrics of the process. `/metrics` is a route of the API port, unless METRICS_PORT is set:
 * then it is served on that port only (see {@link MetricsServer}).
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: Pick<AppConfig, 'server'>): DynamicModule {
    const apart = config.server.metricsPort !== undefined;
    return {
      module: MetricsModule,
      controllers: apart ? [] : [MetricsController],
      providers: apart ? [MetricsService, MetricsServer] : [MetricsService],
      exports: [MetricsService],
    };
  }
}
