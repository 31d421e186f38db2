import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { enforcedWindow, type RateLimitClass, type RateSpec } from './rate-limit-config.js';
import type { RateLimitState } from './rate-limit-headers.js';

/** Where the counters live right now (the readiness check reports it). */
export type RateLimitBackend = 'memory' | 'redis' | 'memory (redis unreachable)';

export interface RateLimitLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RateLimitCountersOptions {
  /** `redis://…`: counters shared by every instance. Without it (and without `redis`), in memory. */
  redisUrl?: string;
  /** A client to use instead of one made from `redisUrl` (the caller keeps ownership). */
  redis?: Redis;
  /** Prefix of every counter key (tests use one per test). */
  keyPrefix?: string;
  log?: RateLimitLog;
}

export interface ConsumeOutcome {
  readonly allowed: boolean;
  readonly state: RateLimitState;
}

const DEFAULT_KEY_PREFIX = 'gateway:rl';
/** A Redis that does not answer within this is treated as down for that request (memory answers). */
const REDIS_COMMAND_TIMEOUT_MS = 500;
const REDIS_CONNECT_TIMEOUT_MS = 2_000;
const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;
const SILENT: RateLimitLog = { info: () => undefined, warn: () => undefined };

/**
 * Fixed-window counters per (key, class) on rate-limiter-flexible: `RateLimiterMemory` without
 * Redis, `RateLimiterRedis` (ioredis) with it, and then a `RateLimiterMemory` of the same shape as
 * its `insuranceLimiter`, so a Redis outage degrades to per-instance limits instead of failing
 * requests. One limiter per distinct (class, quota, window), created on first use.
 */
export class RateLimitCounters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | undefined;
  private readonly ownsRedis: boolean;
  private readonly keyPrefix: string;
  private readonly log: RateLimitLog;
  private state: 'memory' | 'connecting' | 'redis' | 'unreachable';
  private lastRedisError = '';

  constructor(options: RateLimitCountersOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.log = options.log ?? SILENT;
    this.ownsRedis = !options.redis && options.redisUrl !== undefined;
    this.redis =
      options.redis ?? (options.redisUrl === undefined ? undefined : createRedisClient(options.redisUrl));
    this.state = this.redis ? (this.redis.status === 'ready' ? 'redis' : 'connecting') : 'memory';
    this.redis?.on('ready', () => this.transition('redis'));
    this.redis?.on('error', (error: Error) => {
      this.lastRedisError = error.message;
    });
    this.redis?.on('close', () => this.transition('unreachable'));
  }

  get backend(): RateLimitBackend {
    switch (this.state) {
      case 'memory':
        return 'memory';
      case 'redis':
        return 'redis';
      case 'connecting':
      case 'unreachable':
        return 'memory (redis unreachable)';
    }
  }

  /**
   * Charges `units` to `key` in `cls` under `spec`. Never rejects: over the limit is `allowed: false`.
   * A request costing more than a whole window is charged the whole window (it passes on a full
   * bucket instead of never passing).
   */
  async consume(key: string, cls: RateLimitClass, spec: RateSpec, units = 1): Promise<ConsumeOutcome> {
    const { points, windowSeconds } = enforcedWindow(spec);
    const cost = Math.min(points, Math.max(1, Math.floor(units)));
    const base = { policy: cls, quota: points, windowSeconds };
    try {
      const res = await this.limiter(cls, points, windowSeconds).consume(key, cost);
      return {
        allowed: true,
        state: { ...base, remaining: res.remainingPoints, resetMs: res.msBeforeNext },
      };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, state: { ...base, remaining: 0, resetMs: rejection.msBeforeNext } };
      }
      // Only a store error without insurance gets here, which this class never builds; a limit is
      // never a reason to answer 500, so the request goes on and the log says why.
      this.log.warn(`rate limit counter failed, request not limited: ${String(rejection)}`);
      return { allowed: true, state: { ...base, remaining: points, resetMs: windowSeconds * 1000 } };
    }
  }

  /** Resolves once the Redis client is connected (at once without Redis); for start-up and tests. */
  async whenRedisReady(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') {
      return;
    }
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  }

  /** Closes the Redis client this instance made (one passed in is left to its owner). */
  async close(): Promise<void> {
    if (this.redis && this.ownsRedis && this.redis.status !== 'end') {
      this.redis.removeAllListeners('close');
      await this.redis.quit().catch(() => this.redis?.disconnect());
    }
  }

  private limiter(cls: RateLimitClass, points: number, duration: number): RateLimiterAbstract {
    const keyPrefix = `${this.keyPrefix}:${cls}:${points}:${duration}`;
    let limiter = this.limiters.get(keyPrefix);
    if (!limiter) {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      limiter = this.redis
        ? new RateLimiterRedis({
            storeClient: this.redis,
            keyPrefix,
            points,
            duration,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      this.limiters.set(keyPrefix, limiter);
    }
    return limiter;
  }

  /** Logs once per change between Redis and per-instance memory. */
  private transition(next: 'redis' | 'unreachable'): void {
    const previous = this.state;
    if (previous === next) {
      return;
    }
    this.state = next;
    if (next === 'redis') {
      this.log.info(
        previous === 'connecting'
          ? 'rate limits: counters in Redis, shared by every instance'
          : 'rate limits: Redis is reachable again; counters are shared by every instance',
      );
    } else {
      this.log.warn(
        `rate limits: Redis is unreachable${this.lastRedisError ? ` (${this.lastRedisError})` : ''}; ` +
          'each instance limits in memory until it is back',
      );
    }
  }
}

function createRedisClient(url: string): Redis {
  return new Redis(url, {
    // Fail fast while disconnected (the insurance limiter answers) instead of queueing commands.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
  });
}
