import type { HealthIndicator, HealthReport } from '../../health/health-indicator.js';
import type { RateLimitStage } from './rate-limit.stage.js';

/**
 * Readiness entry `rateLimits`: `up` with `detail: "redis"` (or `"memory"` without REDIS_URL), and
 * `degraded` with `detail: "memory (redis unreachable)"` while Redis is down. Degraded is not down:
 * the instance keeps serving with per-instance limits, so readiness stays 200 and the load balancer
 * keeps sending it traffic; the check says why the limits are looser.
 */
export function rateLimitHealthIndicator(stage: Pick<RateLimitStage, 'backend'>): HealthIndicator {
  return {
    name: 'rateLimits',
    check: (): Promise<HealthReport> => {
      const backend = stage.backend;
      return Promise.resolve({
        status: backend === 'memory (redis unreachable)' ? 'degraded' : 'up',
        detail: backend,
      });
    },
  };
}
