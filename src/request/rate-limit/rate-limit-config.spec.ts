import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateEnv } from '../../config/env.schema.js';
import { buildAppConfig, redactConfig } from '../../config/app.config.js';
import {
  DEFAULT_RATE_LIMITS,
  enforcedWindow,
  parseRateLimits,
  parseRateSpec,
  rateLimitTable,
} from './rate-limit-config.js';

describe(parseRateSpec.name, () => {
  it.each([
    ['100/s', { rate: 100, per: 1, burst: 100, text: '100/s' }],
    ['100/s:burst=200', { rate: 100, per: 1, burst: 200, text: '100/s:burst=200' }],
    ['30/m', { rate: 30, per: 60, burst: 30, text: '30/m' }],
    ['1000/h:burst=1000', { rate: 1000, per: 3600, burst: 1000, text: '1000/h' }],
    [' 5/s ', { rate: 5, per: 1, burst: 5, text: '5/s' }],
  ])('reads %j', (text, expected) => {
    expect(parseRateSpec(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['100', 'is not N/unit[:burst=M]'],
    ['100/d', 'unit "d" must be s, m or h'],
    ['0/s', 'the rate must be between 1 and 1000000'],
    ['100/s:burst=50', 'burst must be at least the rate (100)'],
    ['100/s:burst=', 'is not N/unit[:burst=M]'],
    ['-1/s', 'is not N/unit[:burst=M]'],
    ['1.5/s', 'is not N/unit[:burst=M]'],
    ['100/s:bursts=200', 'is not N/unit[:burst=M]'],
  ])('refuses %j, saying %j', (text, problem) => {
    const parsed = parseRateSpec(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});

describe(parseRateLimits.name, () => {
  it('has the defaults of DESIGN.md §9 when the variable is not set', () => {
    expect(DEFAULT_RATE_LIMITS).toBe('read=100/s:burst=200,write=10/s:burst=20,simulate=50/s,anonymous=20/s');
    const table = rateLimitTable(undefined);
    expect(table.read).toMatchObject({ rate: 100, per: 1, burst: 200 });
    expect(table.write).toMatchObject({ rate: 10, per: 1, burst: 20 });
    expect(table.simulate).toMatchObject({ rate: 50, per: 1, burst: 50 });
    expect(table.anonymous).toMatchObject({ rate: 20, per: 1, burst: 20 });
  });

  it('changes only the classes it names', () => {
    const table = rateLimitTable('write=1/s, anonymous=5/m');
    expect(table.write).toMatchObject({ rate: 1, per: 1, burst: 1 });
    expect(table.anonymous).toMatchObject({ rate: 5, per: 60, burst: 5 });
    expect(table.read.text).toBe('100/s:burst=200');
  });

  it.each([
    [
      'reads=5/s',
      '"reads=5/s": expected class=N/unit[:burst=M], class one of read, write, simulate, anonymous',
    ],
    ['read', '"read": expected class=N/unit[:burst=M], class one of read, write, simulate, anonymous'],
    ['read=5/s,read=6/s', '"read=6/s": class read is given twice'],
    ['read=5/x', 'read: "5/x": unit "x" must be s, m or h'],
    ['write=10/s:burst=5', 'write: "10/s:burst=5": burst must be at least the rate (10)'],
  ])('names the bad entry of %j', (text, problem) => {
    const { table, problems } = parseRateLimits(text);
    expect(table).toBeUndefined();
    expect(problems).toEqual([problem]);
  });
});

describe(enforcedWindow.name, () => {
  it.each([
    ['100/s:burst=200', 200, 2],
    ['10/s:burst=20', 20, 2],
    ['50/s', 50, 1],
    ['30/m', 30, 60],
    ['100/m:burst=200', 200, 120],
    // 150 at 100/s takes 1.5 s to earn; rounded up to 2 s, never more than the rate.
    ['100/s:burst=150', 150, 2],
  ])('%s is enforced as %i per %i s', (text, points, windowSeconds) => {
    const parsed = parseRateSpec(text);
    expect(parsed.ok && enforcedWindow(parsed.value)).toEqual({ points, windowSeconds });
  });
});

describe('GATEWAY_RATE_LIMITS and REDIS_URL in the environment', () => {
  it('stops start-up naming the variable and the bad part', () => {
    let problems: string[] = [];
    try {
      validateEnv({ GATEWAY_RATE_LIMITS: 'read=100/x,write=10/s', REDIS_URL: 'localhost:6379' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigValidationError);
      problems = (e as ConfigValidationError).problems;
    }
    expect(problems).toEqual([
      'GATEWAY_RATE_LIMITS="read=100/x,write=10/s": read: "100/x": unit "x" must be s, m or h',
      'REDIS_URL="localhost:6379": must be a redis:// or rediss:// URL',
    ]);
  });

  it('reaches the app config as a table and a URL whose password is masked in logs', () => {
    const config = buildAppConfig({
      GATEWAY_RATE_LIMITS: 'read=500/s',
      REDIS_URL: 'redis://gateway:s3cret@redis.internal:6379/0',
    });
    expect(config.rateLimits.table.read).toMatchObject({ rate: 500, burst: 500 });
    expect(config.rateLimits.redisUrl).toBe('redis://gateway:s3cret@redis.internal:6379/0');
    expect(JSON.stringify(redactConfig(config))).toContain('redis://gateway:***@redis.internal:6379/0');
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
    expect(buildAppConfig({}).rateLimits).toEqual({ table: rateLimitTable(undefined) });
  });
});
