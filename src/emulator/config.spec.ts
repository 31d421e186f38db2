import { describe, expect, it } from 'vitest';
import { emulatorConfigFromEnv, EmulatorConfigError, emulatorSeedFromEnv } from './config.js';

describe(emulatorConfigFromEnv.name, () => {
  it('defaults to 127.0.0.1:9000 with demo credentials and the default regions', () => {
    const opts = emulatorConfigFromEnv({});
    expect(opts).toEqual({ host: '127.0.0.1', port: 9000 });
  });

  it('reads every variable', () => {
    const opts = emulatorConfigFromEnv({
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_PORT: '0',
      EMULATOR_ACCESS_KEYS: 'AK1:secret1, STS.AK2:secret2:token2',
      EMULATOR_CLOCK_SKEW_SECONDS: 'off',
      EMULATOR_REGIONS: 'cn-hangzhou,cn-hongkong',
      EMULATOR_DEFAULT_REGION: 'oss-cn-hongkong',
      EMULATOR_DATA_DIR: '/tmp/emulator-data',
      EMULATOR_FAULTS: 'on',
      EMULATOR_REPLICATION_OBJECTS_PER_SECOND: '500',
    });
    expect(opts).toEqual({
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
  });

  it.each([
    ['EMULATOR_PORT', '70000'],
    ['EMULATOR_PORT', 'abc'],
    ['EMULATOR_ACCESS_KEYS', 'only-an-id'],
    ['EMULATOR_ACCESS_KEYS', 'a:b:c:d'],
    ['EMULATOR_CLOCK_SKEW_SECONDS', '-5'],
    ['EMULATOR_REGIONS', 'Hangzhou'],
    ['EMULATOR_DEFAULT_REGION', 'nowhere'],
    ['EMULATOR_FAULTS', 'sometimes'],
    ['EMULATOR_REPLICATION_OBJECTS_PER_SECOND', '0'],
  ])('names %s when its value %s is invalid', (variable, value) => {
    let error: unknown;
    try {
      emulatorConfigFromEnv({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EmulatorConfigError);
    expect((error as EmulatorConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
  });

  it('never echoes a secret in an access-key error', () => {
    expect(() => emulatorConfigFromEnv({ EMULATOR_ACCESS_KEYS: 'AK:topsecret:tok:extra' })).toThrow(
      /^(?!.*topsecret)/,
    );
  });

  it('refuses a default region outside EMULATOR_REGIONS', () => {
    expect(() =>
      emulatorConfigFromEnv({ EMULATOR_REGIONS: 'cn-beijing', EMULATOR_DEFAULT_REGION: 'cn-hangzhou' }),
    ).toThrow(/EMULATOR_DEFAULT_REGION/);
  });
});

describe(emulatorSeedFromEnv.name, () => {
  it('seeds nothing by default, the demo set for EMULATOR_SEED=demo and the listed buckets in order', () => {
    expect(emulatorSeedFromEnv({})).toEqual({ demo: false, buckets: [] });
    expect(emulatorSeedFromEnv({ EMULATOR_SEED: 'none' })).toEqual({ demo: false, buckets: [] });
    expect(
      emulatorSeedFromEnv({
        EMULATOR_SEED: ' Demo ',
        EMULATOR_BUCKETS: 'logs-a:cn-shenzhen, hk-b:oss-cn-hongkong',
      }),
    ).toEqual({
      demo: true,
      buckets: [
        { name: 'logs-a', region: 'cn-shenzhen' },
        { name: 'hk-b', region: 'cn-hongkong' },
      ],
    });
  });

  it.each([
    [{ EMULATOR_SEED: 'yes' }, 'EMULATOR_SEED: must be demo or none'],
    [{ EMULATOR_BUCKETS: 'just-a-name' }, 'EMULATOR_BUCKETS: entry 1 must be name:region'],
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
    expect(() => emulatorSeedFromEnv(env)).toThrow(EmulatorConfigError);
    expect(() => emulatorSeedFromEnv(env)).toThrow(message);
  });

  it('checks regions against EMULATOR_REGIONS, and that the demo set has its three regions', () => {
    const options = emulatorConfigFromEnv({ EMULATOR_REGIONS: 'cn-hangzhou,cn-hongkong' });
    expect(() => emulatorSeedFromEnv({ EMULATOR_BUCKETS: 'bj-bucket:cn-beijing' }, options)).toThrow(
      'EMULATOR_BUCKETS: entry 1: region "cn-beijing" is not one of the emulator\'s regions (cn-hangzhou, cn-hongkong)',
    );
    expect(() => emulatorSeedFromEnv({ EMULATOR_SEED: 'demo' }, options)).toThrow(
      'EMULATOR_SEED: demo needs the regions cn-beijing, cn-shanghai, which EMULATOR_REGIONS leaves out',
    );
  });
});
