import { describe, expect, it } from 'vitest';
import { buildAppConfig, buildProcessConfig, redactConfig } from './app.config.js';
import { checkGatewayEnv, ConfigValidationError, validateEnv } from './env.schema.js';

describe('validateEnv', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = validateEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.OSS_REGION).toBe('cn-hangzhou');
    expect(env.OSS_SIGNATURE_VERSION).toBe('v4');
    expect(env.DATABASE_URL).toBe('sqlite:./data/gateway.db');
  });

  it('names the variable and the rule of every bad value', () => {
    const run = () =>
      validateEnv({ PORT: 'eighty', OSS_SIGNATURE_VERSION: 'v3', OSS_ADDRESSING: 'sideways' });
    expect(run).toThrow(ConfigValidationError);
    const problems = (() => {
      try {
        run();
        return [];
      } catch (e) {
        return (e as ConfigValidationError).problems;
      }
    })();
    expect(problems.filter((p) => p.startsWith('PORT="eighty"'))).toEqual([
      'PORT="eighty": PORT must be an integer number',
    ]);
    expect(problems.some((p) => p.startsWith('OSS_SIGNATURE_VERSION="v3"') && p.includes('v4'))).toBe(true);
    expect(problems.some((p) => p.startsWith('OSS_ADDRESSING="sideways"'))).toBe(true);
  });

  it('refuses an access key id without its secret', () => {
    expect(() => validateEnv({ OSS_ACCESS_KEY_ID: 'LTAIabc' })).toThrow(
      /OSS_ACCESS_KEY_SECRET: must be set together/,
    );
  });
});

describe('buildAppConfig', () => {
  it('configures the upstream protection: retry quota, breakers, longer throttling back-off', () => {
    const defaults = buildAppConfig({}).oss;
    expect(defaults.retryQuota).toBe(500);
    expect(defaults.breaker).toEqual({ threshold: 5, cooldownMs: 10_000 });
    expect(defaults.retry.throttleBaseDelayMs).toBe(500);
    const set = buildAppConfig({
      OSS_RETRY_QUOTA: '0',
      OSS_BREAKER_THRESHOLD: '3',
      OSS_BREAKER_COOLDOWN_MS: '2500',
      OSS_RETRY_BASE_DELAY_MS: '40',
    }).oss;
    expect(set).toMatchObject({ retryQuota: 0, breaker: { threshold: 3, cooldownMs: 2500 } });
    expect(set.retry.throttleBaseDelayMs).toBe(200);
    expect(buildAppConfig({ OSS_RETRY_THROTTLE_BASE_DELAY_MS: '1000' }).oss.retry.throttleBaseDelayMs).toBe(
      1000,
    );
    expect(() => buildAppConfig({ OSS_BREAKER_THRESHOLD: '0' })).toThrow(/OSS_BREAKER_THRESHOLD/);
    expect(() => buildAppConfig({ OSS_RETRY_QUOTA: '-1' })).toThrow(/OSS_RETRY_QUOTA/);
  });

  it('runs embedded without credentials and upstream with them', () => {
    expect(buildAppConfig({}).mode).toBe('embedded');
    const upstream = buildAppConfig({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
    });
    expect(upstream.mode).toBe('upstream');
    expect(upstream.oss.credentials).toEqual({ accessKeyId: 'id', accessKeySecret: 'secret' });
  });

  it('normalises an oss- prefixed region and masks secrets in the printable view', () => {
    const config = buildAppConfig({
      OSS_REGION: 'oss-cn-beijing',
      OSS_ACCESS_KEY_ID: 'id',
      OSS_ACCESS_KEY_SECRET: 'super-secret',
      OSS_SESSION_TOKEN: 'token',
    });
    expect(config.oss.region).toBe('cn-beijing');
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/super-secret|"token"/);
  });
});

describe('buildAppConfig: one validated, immutable configuration', () => {
  it('is deeply frozen: a write anywhere in it throws', () => {
    const config = buildAppConfig({ GATEWAY_TRUSTED_PROXIES: '10.0.0.1' });
    expect(() => {
      (config.oss as { endpoint?: string }).endpoint = 'http://elsewhere';
    }).toThrow(TypeError);
    expect(() => {
      (config.auth as { principalsFile?: string }).principalsFile = '/tmp/p.yaml';
    }).toThrow(TypeError);
    expect(() => (config.server.trustedProxies as string[]).push('10.0.0.2')).toThrow(TypeError);
    expect(Object.isFrozen(config.emulator?.options)).toBe(true);
    expect(config.oss.endpoint).toBeUndefined();
  });

  it('applies overrides through the builder, keeping the mode the environment decides', () => {
    const credentials = { accessKeyId: 'LTAIEmulatorDemoKey0001', accessKeySecret: 'demo-secret' };
    const config = buildAppConfig(
      { OSS_ENDPOINT: 'oss-cn-hangzhou.aliyuncs.com' },
      {
        oss: { endpoint: 'http://127.0.0.1:9000', addressing: 'path', credentials },
        auth: { principalsFile: '/tmp/demo.yaml' },
      },
    );
    expect(config.mode).toBe('embedded');
    expect(config.oss).toMatchObject({ endpoint: 'http://127.0.0.1:9000', addressing: 'path', credentials });
    expect(config.auth.principalsFile).toBe('/tmp/demo.yaml');
    expect(Object.isFrozen(config.oss.credentials)).toBe(true);
  });

  it('validates the EMULATOR_* variables in embedded mode, in the same report', () => {
    expect(() => buildAppConfig({ PORT: 'eighty', EMULATOR_PORT: 'ninety' })).toThrow(
      new ConfigValidationError([
        'PORT="eighty": PORT must be an integer number',
        'EMULATOR_PORT="ninety": EMULATOR_PORT must be an integer number',
      ]),
    );
    expect(buildAppConfig({ EMULATOR_PORT: '0' }).emulator?.options.port).toBe(0);
  });

  it('leaves the EMULATOR_* variables alone in upstream mode: no emulator runs', () => {
    const config = buildAppConfig({
      OSS_ACCESS_KEY_ID: 'id',
      OSS_ACCESS_KEY_SECRET: 'secret',
      EMULATOR_PORT: 'ninety',
    });
    expect(config.mode).toBe('upstream');
    expect(config.emulator).toBeUndefined();
  });
});

describe('buildProcessConfig', () => {
  const upstream = { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret' };

  it('refuses upstream mode without a principals file: nobody could call the gateway', () => {
    expect(() => buildProcessConfig(upstream)).toThrow(
      new ConfigValidationError([
        'GATEWAY_PRINCIPALS_FILE: is required in upstream mode (OSS credentials are set): without it no caller could authenticate',
      ]),
    );
  });

  it('starts upstream with a principals file, and embedded without one (it writes the demo file)', () => {
    expect(
      buildProcessConfig({ ...upstream, GATEWAY_PRINCIPALS_FILE: '/etc/gateway/principals.yaml' }).mode,
    ).toBe('upstream');
    expect(buildProcessConfig({}).mode).toBe('embedded');
  });
});

describe('buildAppConfig: the progress sampler and rule health (DESIGN §11)', () => {
  it('samples every 60 s upstream and every 5 s embedded unless GATEWAY_SAMPLE_INTERVAL_SECONDS says otherwise', () => {
    const upstream = { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret' };
    expect(buildAppConfig(upstream).fleet.sampleIntervalSeconds).toBe(60);
    expect(buildAppConfig({}).fleet.sampleIntervalSeconds).toBe(5);
    expect(buildAppConfig({ GATEWAY_SAMPLE_INTERVAL_SECONDS: '30' }).fleet.sampleIntervalSeconds).toBe(30);
  });

  it('applies the documented defaults and reads each variable', () => {
    expect(buildAppConfig({}).fleet).toEqual({
      sampleIntervalSeconds: 5,
      historyRetentionDays: 30,
      samplerMaxCallsPerInterval: 500,
      // Embedded mode (no OSS credentials): a minute, so the demo's paused rule stalls soon.
      stallAfterSeconds: 60,
      lagThresholdSeconds: 900,
      rtcLagThresholdSeconds: 600,
      metricsMaxRules: 500,
    });
    // Upstream mode: §11's 30 minutes.
    expect(
      buildAppConfig({ OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret' }).fleet.stallAfterSeconds,
    ).toBe(1800);
    const fleet = buildAppConfig({
      GATEWAY_METRICS_MAX_RULES: '20',
      GATEWAY_HISTORY_RETENTION_DAYS: '7',
      GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL: '40',
      GATEWAY_STALL_AFTER_SECONDS: '600',
      GATEWAY_LAG_THRESHOLD_SECONDS: '120',
    }).fleet;
    expect(fleet).toMatchObject({
      metricsMaxRules: 20,
      historyRetentionDays: 7,
      samplerMaxCallsPerInterval: 40,
      stallAfterSeconds: 600,
      lagThresholdSeconds: 120,
    });
  });

  it('names each bad value', () => {
    expect(() =>
      buildAppConfig({
        GATEWAY_SAMPLE_INTERVAL_SECONDS: '0',
        GATEWAY_HISTORY_RETENTION_DAYS: 'forever',
        GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL: '1',
        GATEWAY_STALL_AFTER_SECONDS: '10',
        GATEWAY_LAG_THRESHOLD_SECONDS: '-5',
        GATEWAY_METRICS_MAX_RULES: 'all',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^GATEWAY_SAMPLE_INTERVAL_SECONDS=0: .*must not be less than 1/),
          expect.stringMatching(/^GATEWAY_HISTORY_RETENTION_DAYS="forever": .*integer/),
          expect.stringMatching(/^GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL=1: .*must not be less than 2/),
          expect.stringMatching(/^GATEWAY_STALL_AFTER_SECONDS=10: .*must not be less than 60/),
          expect.stringMatching(/^GATEWAY_LAG_THRESHOLD_SECONDS=-5: .*must not be less than 1/),
          expect.stringMatching(/^GATEWAY_METRICS_MAX_RULES="all": .*integer/),
        ]),
      }),
    );
  });
});

describe('checkGatewayEnv', () => {
  it('reports each cross-variable problem once', () => {
    const { problems } = checkGatewayEnv({
      PORT: '3000',
      METRICS_PORT: '3000',
      GATEWAY_HEADERS_TIMEOUT_MS: '20000',
      GATEWAY_REQUEST_TIMEOUT_MS: '10000',
    });
    expect(problems).toEqual([
      'GATEWAY_HEADERS_TIMEOUT_MS: must not be longer than GATEWAY_REQUEST_TIMEOUT_MS (10000)',
      'METRICS_PORT: must differ from PORT (3000)',
    ]);
  });
});
