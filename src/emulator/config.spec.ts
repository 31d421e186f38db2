import { describe, expect, it } from 'vitest';
import { emulatorConfigFromEnv, EmulatorConfigError } from './config.js';

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
