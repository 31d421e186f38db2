import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health-indicator.js';
import { OssReachability } from './oss-reachability.health.js';

/**
 * Readiness and liveness. Each dependency registers a named check: `audit` (the store takes a write),
 * `oss` (a signed call answers), `rateLimits` (Redis when configured).
 */
@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthRegistry, OssReachability],
  exports: [HealthRegistry],
})
export class HealthModule {}
