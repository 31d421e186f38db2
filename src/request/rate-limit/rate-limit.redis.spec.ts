import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OssAction } from '../../auth/ram/actions.js';
import { rateLimitTable } from './rate-limit-config.js';
import { rateLimitHealthIndicator } from './rate-limit.health.js';
import { type RateLimitCheck, RateLimitStage } from './rate-limit.stage.js';
import {
  type PrivateRedis,
  resolveRedisTestUrl,
  startPrivateRedis,
  uniqueKeyPrefix,
} from './__fixtures__/redis-test.js';

const redisUrl = await resolveRedisTestUrl();
// Windows of a minute or more: a test never runs long enough to see one end.
const table = rateLimitTable('read=3/m:burst=5,write=2/m,simulate=1/h,anonymous=2/m');
const read = { action: OssAction.GetBucketReplication };
const alice = { principal: { id: 'alice' }, ...read };
const bob = { principal: { id: 'bob' }, ...read };

async function allowedOf(stage: RateLimitStage, check: RateLimitCheck, n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i += 1) {
    allowed += (await stage.check(check)).allowed ? 1 : 0;
  }
  return allowed;
}

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) },
  };
}

describe.skipIf(redisUrl === null)(`${RateLimitStage.name} on Redis`, () => {
  const open: RateLimitStage[] = [];
  const stageOn = async (url: string, keyPrefix: string, log?: ReturnType<typeof recordingLog>['log']) => {
    const stage = RateLimitStage.create({ table, redisUrl: url, keyPrefix, ...(log ? { log } : {}) });
    open.push(stage);
    await stage.whenRedisReady();
    return stage;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('refuses one key over its limit while another key is unaffected', async () => {
    const stage = await stageOn(redisUrl!, uniqueKeyPrefix());
    expect(stage.backend).toBe('redis');
    expect(await allowedOf(stage, alice, 7)).toBe(5);
    expect(await allowedOf(stage, bob, 5)).toBe(5);
    const refused = await stage.check(alice);
    expect(refused.headers).toMatchObject({
      'ratelimit-policy': '"read";q=5;w=100',
      ratelimit: expect.stringMatching(/^"read";r=0;t=\d+$/),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('holds one limit between two gateway instances sharing one Redis', async () => {
    const prefix = uniqueKeyPrefix();
    const first = await stageOn(redisUrl!, prefix);
    const second = await stageOn(redisUrl!, prefix);
    let allowed = 0;
    for (let i = 0; i < 5; i += 1) {
      allowed += (await first.check(alice)).allowed ? 1 : 0;
      allowed += (await second.check(alice)).allowed ? 1 : 0;
    }
    expect(allowed).toBe(5);
    // Each instance sees the shared remainder, not its own.
    expect((await first.check(bob)).state.remaining).toBe(4);
    expect((await second.check(bob)).state.remaining).toBe(3);
  });

  it('keeps the counters in Redis under the key prefix, per class and principal', async () => {
    const prefix = uniqueKeyPrefix();
    const stage = await stageOn(redisUrl!, prefix);
    await stage.check(alice);
    await stage.check({ sourceIp: '10.1.2.3' });
    const client = new Redis(redisUrl!);
    try {
      expect((await client.keys(`${prefix}:*`)).sort()).toEqual([
        `${prefix}:anonymous:2:60:ip:10.1.2.3`,
        `${prefix}:read:5:100:p:alice`,
      ]);
    } finally {
      client.disconnect();
    }
  });

  describe('when Redis goes away', () => {
    let privateRedis: PrivateRedis;
    beforeAll(async () => {
      privateRedis = await startPrivateRedis();
    });
    afterAll(async () => {
      await privateRedis.stop();
    });

    it('keeps answering with per-instance memory limits, says so once, and returns to Redis', async () => {
      const { lines, log } = recordingLog();
      const prefix = uniqueKeyPrefix();
      const first = await stageOn(privateRedis.url, prefix, log);
      const second = await stageOn(privateRedis.url, prefix, log);
      const health = rateLimitHealthIndicator(first);
      expect(await health.check()).toEqual({ status: 'up', detail: 'redis' });
      expect(await allowedOf(first, alice, 2)).toBe(2);
      expect(await allowedOf(second, alice, 2)).toBe(2);

      // Redis is killed mid-test.
      await privateRedis.stop();
      await vi.waitFor(() => expect(first.backend).toBe('memory (redis unreachable)'), { timeout: 5_000 });
      await vi.waitFor(() => expect(second.backend).toBe('memory (redis unreachable)'), { timeout: 5_000 });
      expect(await health.check()).toEqual({ status: 'degraded', detail: 'memory (redis unreachable)' });

      // Still answering: each instance now holds the limit alone, in memory.
      expect(await allowedOf(first, alice, 7)).toBe(5);
      expect(await allowedOf(second, alice, 7)).toBe(5);
      expect(await allowedOf(first, bob, 5)).toBe(5);
      // Many requests, many reconnect attempts: one line per instance and transition.
      expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(2);
      expect(lines.filter((l) => l.startsWith('warn'))[0]).toContain('each instance limits in memory');

      // Redis is back (empty: it kept nothing): the two instances share one limit again.
      await privateRedis.start();
      await first.whenRedisReady();
      await second.whenRedisReady();
      expect(first.backend).toBe('redis');
      expect(await health.check()).toEqual({ status: 'up', detail: 'redis' });
      expect(lines.filter((l) => l.includes('reachable again'))).toHaveLength(2);
      expect((await allowedOf(first, alice, 5)) + (await allowedOf(second, alice, 5))).toBe(5);
    });
  });
});
