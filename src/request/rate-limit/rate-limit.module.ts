import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app.config.js';
import { HealthRegistry } from '../../health/health-indicator.js';
import { rateLimitHealthIndicator } from './rate-limit.health.js';
import { RateLimitStage } from './rate-limit.stage.js';

/**
 * Provides the one RateLimitStage of the process (Redis when REDIS_URL is set, memory otherwise),
 * reports it in readiness and closes its Redis connection on shutdown. The pipeline injects
 * `RateLimitStage` and calls `check()` in its rate-limit stage.
 */
@Global()
@Module({
  providers: [
    {
      provide: RateLimitStage,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RateLimitStage => {
        const logger = new Logger('RateLimits');
        return RateLimitStage.create({
          table: config.rateLimits.table,
          ...(config.rateLimits.keyPrefix ? { keyPrefix: config.rateLimits.keyPrefix } : {}),
          ...(config.rateLimits.redisUrl ? { redisUrl: config.rateLimits.redisUrl } : {}),
          log: { info: (m) => logger.log(m), warn: (m) => logger.warn(m) },
        });
      },
    },
  ],
  exports: [RateLimitStage],
})
export class RateLimitModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(RateLimitStage) private readonly stage: RateLimitStage,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register(rateLimitHealthIndicator(this.stage));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stage.close();
  }
}
