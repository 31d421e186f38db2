import { describe, expect, it } from 'vitest';
import { problemHeaders, renderProblem } from '../../common/errors/all-exceptions.filter.js';
import { OssAction, GatewayAction } from '../../auth/ram/actions.js';
import { rateLimitTable } from './rate-limit-config.js';
import { rateLimitHealthIndicator } from './rate-limit.health.js';
import { type RateLimitCheck, RateLimitStage } from './rate-limit.stage.js';

/** Runs `n` checks one after the other and says how many were allowed. */
async function allowedOf(stage: RateLimitStage, check: RateLimitCheck, n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i += 1) {
    allowed += (await stage.check(check)).allowed ? 1 : 0;
  }
  return allowed;
}

const alice = { id: 'alice', listed: true };
const bob = { id: 'bob', listed: true };
const read = { action: OssAction.GetBucketReplication };
const write = { action: OssAction.PutBucketReplication };

// Windows of a minute or more: a test never runs long enough to see one end.
describe(`${RateLimitStage.name} in memory`, () => {
  const stage = (limits = 'read=3/m:burst=5,write=2/m,simulate=1/h,anonymous=2/m') =>
    RateLimitStage.create({ table: rateLimitTable(limits) });

  it('refuses a caller over its burst while another caller is unaffected', async () => {
    const limiter = stage();
    expect(await allowedOf(limiter, { principal: alice, ...read }, 8)).toBe(5);
    expect(await allowedOf(limiter, { principal: bob, ...read }, 5)).toBe(5);
    expect(limiter.backend).toBe('memory');
  });

  it('keeps one bucket per class: reads spent leave writes alone', async () => {
    const limiter = stage();
    expect(await allowedOf(limiter, { principal: alice, ...read }, 6)).toBe(5);
    expect(await allowedOf(limiter, { principal: alice, ...write }, 3)).toBe(2);
    expect(await allowedOf(limiter, { principal: alice, action: GatewayAction.SimulatePolicy }, 2)).toBe(1);
  });

  it('limits requests without a principal per source IP in the anonymous class', async () => {
    const limiter = stage();
    const one = await limiter.check({ sourceIp: '10.0.0.1', ...write });
    expect(one.class).toBe('anonymous');
    expect(await allowedOf(limiter, { sourceIp: '10.0.0.1' }, 3)).toBe(1);
    expect(await allowedOf(limiter, { sourceIp: '10.0.0.2' }, 3)).toBe(2);
    // A principal's bucket is not the address's.
    expect(await allowedOf(limiter, { principal: alice, sourceIp: '10.0.0.1', ...read }, 1)).toBe(1);
  });

  it('keeps a JWT user known only by its groups apart from a listed principal of the same id', async () => {
    const limiter = stage();
    expect(await allowedOf(limiter, { principal: alice, ...read }, 5)).toBe(5);
    expect(await allowedOf(limiter, { principal: { id: 'alice', listed: false }, ...read }, 5)).toBe(5);
  });

  it("applies a principal's own limits to the classes it names", async () => {
    const limiter = stage();
    const vip = { id: 'vip', rateLimits: { read: rateLimitTable('read=10/m').read } };
    expect(await allowedOf(limiter, { principal: vip, ...read }, 12)).toBe(10);
    expect(await allowedOf(limiter, { principal: vip, ...write }, 3)).toBe(2);
  });

  it('charges GraphQL units, a request dearer than the whole window passing only on a full bucket', async () => {
    const limiter = stage();
    expect((await limiter.check({ principal: alice, ...read, units: 4 })).state.remaining).toBe(1);
    expect((await limiter.check({ principal: alice, ...read, units: 2 })).allowed).toBe(false);
    expect((await limiter.check({ principal: bob, ...read, units: 50 })).allowed).toBe(true);
    expect((await limiter.check({ principal: bob, ...read, units: 0 })).allowed).toBe(false);
  });

  it('answers with the RateLimit headers when allowed and adds Retry-After when refused', async () => {
    const limiter = stage();
    const first = await limiter.check({ principal: alice, ...write });
    expect(first).toMatchObject({ allowed: true, class: 'write' });
    expect(first.headers).toEqual({
      'ratelimit-policy': '"write";q=2;w=60',
      ratelimit: expect.stringMatching(/^"write";r=1;t=(59|60)$/),
    });
    await limiter.check({ principal: alice, ...write });
    const refused = await limiter.check({ principal: alice, ...write });
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused.headers['retry-after']).toBe(String(refused.retryAfterSeconds));
    expect(refused.headers.ratelimit).toMatch(/^"write";r=0;t=\d+$/);
  });

  it('turns a refusal into a 429 RATE_LIMITED problem with Retry-After', async () => {
    const limiter = stage();
    await allowedOf(limiter, { principal: alice, ...write }, 2);
    const verdict = await limiter.check({ principal: alice, ...write });
    const error = limiter.error(verdict);
    const problem = renderProblem(error, 'req-1');
    expect(problem).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      reason: 'RateLimited',
      title: 'Rate limit exceeded',
      retryAfterSeconds: verdict.retryAfterSeconds,
      rateLimit: { policy: 'write', quota: 2, windowSeconds: 60 },
    });
    expect(problem.detail).toContain('the write limit is 2 per 60 s');
    expect(problemHeaders(error, 'req-1')['retry-after']).toBe(String(verdict.retryAfterSeconds));
  });

  it('reports memory as healthy in readiness when no Redis is configured', async () => {
    expect(await rateLimitHealthIndicator(stage()).check()).toEqual({ status: 'up', detail: 'memory' });
  });
});
