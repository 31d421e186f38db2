import type { CircuitBreakers } from '../breaker/circuit-breakers.js';
import { CircuitOpenError } from '../errors.js';
import type { Middleware, OssResilienceObserver, PipelineContext } from './pipeline.js';

export interface CircuitBreakerMiddlewareOptions {
  breakers: CircuitBreakers;
  /** The endpoint a call goes to (`oss-cn-hangzhou.aliyuncs.com`, the override): the breaker's second key. */
  endpointOf: (ctx: PipelineContext) => string;
  observer?: OssResilienceObserver;
}

/**
 * Inside retry, around each attempt: an attempt the breaker of (operation, endpoint) refuses fails at
 * once with `CircuitOpen`, which the retry middleware never retries.
 */
export function circuitBreakerMiddleware(options: CircuitBreakerMiddlewareOptions): Middleware {
  return (next) => async (ctx) => {
    const endpoint = options.endpointOf(ctx);
    try {
      return await options.breakers.execute(ctx.operation, endpoint, () => next(ctx), ctx.signal);
    } catch (error) {
      if (error instanceof CircuitOpenError && error.cause === undefined) {
        options.observer?.shortCircuited?.({ operation: ctx.operation, endpoint: error.endpoint });
      }
      throw error;
    }
  };
}
