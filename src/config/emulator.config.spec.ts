import { describe, expect, it } from 'vitest';
import { buildEmulatorConfig } from './emulator.config.js';
import { ConfigValidationError } from './env.schema.js';

/** The problems `buildEmulatorConfig(env)` reports (none when it accepts `env`). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    buildEmulatorConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
}

describe(buildEmulatorConfig.name, () => {
  it('defaults to 127.0.0.1:9000 with demo credentials, the default regions, no seed and request logs', () => {
    expect(buildEmulatorConfig({})).toEqual({
      options: { host: '127.0.0.1', port: 9000, clockSkewSeconds: 900, faults: false },
      seed: { demo: false, buckets: [] },
      log: true,
    });
  });

  it('reads every variable', () => {
    const config = buildEmulatorConfig({
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_PORT: '0',
      EMULATOR_ACCESS_KEYS: 'AK1:secret1, STS.AK2:secret2:token2',
      EMULATOR_CLOCK_SKEW_SECONDS: 'off',
      EMULATOR_REGIONS: 'cn-hangzhou,cn-hongkong',
      EMULATOR_DEFAULT_REGION: 'oss-cn-hongkong',
      EMULATOR_DATA_DIR: '/tmp/emulator-data',
      EMULATOR_FAULTS: 'on',
      EMULATOR_REPLICATION_OBJECTS_PER_SECOND: '500',
      EMULATOR_LOG: 'off',
    });
    expect(config.options).toEqual({
      host: '0.0.0.0',
      port: 0,
      accessKeys: [
        { accessKeyId: 'AK1', accessKeySecret: 'secret1' },
        { accessKeyId: 'STS.AK2', accessKeySecret: 'secret2', securityToken: 'token2' },
      ],
      clockSkewSeconds: 'off',
      regions: [
        { id: 'cn-hangzhou', mainland: true, rtcGroup: 'cn-mainland' },
        { id: 'cn-hongkong', mainland: false },
      ],
      defaultRegion: 'cn-hongkong',
      dataDir: '/tmp/emulator-data',
      faults: true,
      replication: { objectsPerSecond: 500 },
    });
    expect(config.log).toBe(false);
  });

  it.each([
    ['EMULATOR_HOST', 'bad host!'],
    ['EMULATOR_PORT', '70000'],
    ['EMULATOR_PORT', 'abc'],
    ['EMULATOR_ACCESS_KEYS', 'only-an-id'],
    ['EMULATOR_ACCESS_KEYS', 'a:b:c:d'],
    ['EMULATOR_CLOCK_SKEW_SECONDS', '-5'],
    ['EMULATOR_REGIONS', 'Hangzhou'],
    ['EMULATOR_DEFAULT_REGION', 'nowhere'],
    ['EMULATOR_FAULTS', 'sometimes'],
    ['EMULATOR_REPLICATION_OBJECTS_PER_SECOND', '0'],
    ['EMULATOR_LOG', 'loud'],
  ])('names %s when its value %s is invalid', (variable, value) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}[=:]`));
  });

  it('reports in the gateway format: the variable, its value and the rule, every problem at once', () => {
    expect(problemsOf({ EMULATOR_PORT: 'abc', EMULATOR_FAULTS: 'sometimes' })).toEqual([
      'EMULATOR_PORT="abc": EMULATOR_PORT must be an integer number',
      'EMULATOR_FAULTS="sometimes": must be on or off',
    ]);
    expect(() => buildEmulatorConfig({ EMULATOR_PORT: 'abc' })).toThrow(
      'Invalid emulator configuration:\n  - EMULATOR_PORT="abc": EMULATOR_PORT must be an integer number',
    );
  });

  it('never echoes a secret in an access-key error', () => {
    expect(problemsOf({ EMULATOR_ACCESS_KEYS: 'AK:topsecret:tok:extra' })).toEqual([
      'EMULATOR_ACCESS_KEYS: must be accessKeyId:accessKeySecret[:securityToken], comma-separated',
    ]);
  });

  it('refuses a default region outside EMULATOR_REGIONS, and a region listed twice', () => {
    expect(problemsOf({ EMULATOR_REGIONS: 'cn-beijing', EMULATOR_DEFAULT_REGION: 'cn-hangzhou' })).toEqual([
      'EMULATOR_DEFAULT_REGION: is not one of EMULATOR_REGIONS',
    ]);
    expect(problemsOf({ EMULATOR_REGIONS: 'cn-beijing, cn-beijing' })).toEqual([
      'EMULATOR_REGIONS: lists a region twice',
    ]);
  });

  it('returns a frozen configuration', () => {
    const config = buildEmulatorConfig({ EMULATOR_ACCESS_KEYS: 'AK1:secret1' });
    expect(() => {
      (config.options as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(config.options.accessKeys![0])).toBe(true);
  });
});

describe('the start-up seed (EMULATOR_SEED, EMULATOR_BUCKETS)', () => {
  it('seeds nothing by default, the demo set for EMULATOR_SEED=demo and the listed buckets in order', () => {
    expect(buildEmulatorConfig({}).seed).toEqual({ demo: false, buckets: [] });
    expect(buildEmulatorConfig({ EMULATOR_SEED: 'none' }).seed).toEqual({ demo: false, buckets: [] });
    expect(
      buildEmulatorConfig({
        EMULATOR_SEED: ' Demo ',
        EMULATOR_BUCKETS: 'logs-a:cn-shenzhen, hk-b:oss-cn-hongkong',
      }).seed,
    ).toEqual({
      demo: true,
      buckets: [
        { name: 'logs-a', region: 'cn-shenzhen' },
        { name: 'hk-b', region: 'cn-hongkong' },
      ],
    });
  });

  it.each([
    [{ EMULATOR_SEED: 'yes' }, 'EMULATOR_SEED="yes": must be demo or none'],
    [
      { EMULATOR_BUCKETS: 'just-a-name' },
      'EMULATOR_BUCKETS="just-a-name": must be name:region, comma-separated (e.g. my-bucket:cn-hangzhou)',
    ],
    [
      { EMULATOR_BUCKETS: 'ok-bucket:cn-hangzhou,Bad_Name:cn-hangzhou' },
      'EMULATOR_BUCKETS: entry 2: "Bad_Name" is not a bucket name',
    ],
    [
      { EMULATOR_BUCKETS: 'ok-bucket:mars-north-1' },
      'EMULATOR_BUCKETS: entry 1: region "mars-north-1" is not one of',
    ],
    [{ EMULATOR_BUCKETS: 'a-bucket:cn-hangzhou,a-bucket:cn-beijing' }, 'listed twice'],
  ])('refuses %j naming the variable', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('checks regions against EMULATOR_REGIONS, and that the demo set has its regions', () => {
    const regions = { EMULATOR_REGIONS: 'cn-hangzhou,cn-hongkong' };
    expect(problemsOf({ ...regions, EMULATOR_BUCKETS: 'bj-bucket:cn-beijing' })).toEqual([
      'EMULATOR_BUCKETS: entry 1: region "cn-beijing" is not one of the emulator\'s regions (cn-hangzhou, cn-hongkong)',
    ]);
    expect(problemsOf({ ...regions, EMULATOR_SEED: 'demo' })).toEqual([
      'EMULATOR_SEED: demo needs the regions cn-beijing, cn-shanghai, cn-shenzhen, which EMULATOR_REGIONS leaves out',
    ]);
  });
});
