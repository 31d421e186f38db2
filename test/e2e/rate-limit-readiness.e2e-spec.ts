import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/emulator-server.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';
import {
  type PrivateRedis,
  resolveRedisTestUrl,
  startPrivateRedis,
} from '../../src/request/rate-limit/__fixtures__/redis-test.js';

const redisUrl = await resolveRedisTestUrl();

describe('rate limits in readiness', () => {
  // Readiness also checks OSS: the gateway talks to an emulator.
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('reports in-memory counters when no REDIS_URL is set', async () => {
    const gateway = await createTestApp(emulatorEnv(emulator));
    try {
      const res = await gateway.request.get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.checks.rateLimits).toEqual({ status: 'up', detail: 'memory' });
    } finally {
      await gateway.close();
    }
  });

  describe.skipIf(redisUrl === null)('with REDIS_URL', () => {
    let redis: PrivateRedis;
    let gateway: TestApp;
    beforeAll(async () => {
      redis = await startPrivateRedis();
      gateway = await createTestApp({ ...emulatorEnv(emulator), REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await gateway.close();
      await redis.stop();
    });

    const rateLimitsCheck = async () => {
      const res = await gateway.request.get('/health/ready');
      return { status: res.status, overall: res.body.status, check: res.body.checks.rateLimits };
    };

    it('stays ready with a degraded note while Redis is unreachable', async () => {
      await vi.waitFor(
        async () =>
          expect(await rateLimitsCheck()).toEqual({
            status: 200,
            overall: 'ok',
            check: { status: 'up', detail: 'redis' },
          }),
        { timeout: 5_000 },
      );
      await redis.stop();
      await vi.waitFor(
        async () =>
          expect(await rateLimitsCheck()).toEqual({
            status: 200,
            overall: 'ok',
            check: { status: 'degraded', detail: 'memory (redis unreachable)' },
          }),
        { timeout: 5_000 },
      );
      await redis.start();
      await vi.waitFor(async () => expect((await rateLimitsCheck()).check.detail).toBe('redis'), {
        timeout: 5_000,
      });
    });
  });
});
