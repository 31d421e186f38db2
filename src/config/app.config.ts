import { ConfigValidationError, validateEnv, type EnvSchema, type LogLevel } from './env.schema.js';

export interface OssCredentialsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The typed configuration every module receives; built once from the validated environment. */
export interface AppConfig {
  /** `embedded`: no OSS credentials set → the in-process emulator, demo data and demo keys. */
  mode: 'embedded' | 'upstream';
  server: {
    host: string;
    port: number;
    logLevel: LogLevel;
    trustedProxies: string[];
    /** `/metrics` on this port (on `host`) and not on the API port; undefined → on the API port. */
    metricsPort?: number;
    /** Browser origins allowed by CORS (none → no CORS headers). */
    corsOrigins: string[];
    timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
    /** Load-shedding thresholds (0 = that check is off; heap undefined = 90% of the heap limit). */
    loadShedding: { maxEventLoopDelayMs: number; maxHeapUsedBytes?: number; maxRssBytes: number };
  };
  oss: {
    region: string;
    endpoint?: string;
    addressing?: 'virtual' | 'path';
    internal: boolean;
    /** Undefined in embedded mode until the emulator has started. */
    credentials?: OssCredentialsConfig;
    signatureVersion: 'v4' | 'v1';
    accountId: string;
    timeouts: { connectMs: number; requestMs: number };
    retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; totalBudgetMs: number };
  };
  auth: { principalsFile?: string };
  database: { url: string };
  audit: {
    flushIntervalMs: number;
    batchSize: number;
    /** Events held in memory while the store is down (default 100,000). */
    maxQueue?: number;
    /** Longest retry backoff while the store is down (default 30 s). */
    retryMaxDelayMs?: number;
  };
  /** The raw environment, for the embedded emulator's own EMULATOR_* parser. */
  rawEnv: Readonly<Record<string, string | undefined>>;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

const SECRET_KEYS = new Set(['accessKeySecret', 'securityToken']);

/** JSON-safe view of the config with secrets masked, for start-up logs. */
export function redactConfig(config: AppConfig): unknown {
  return JSON.parse(
    JSON.stringify({ ...config, rawEnv: undefined }, (key, value: unknown) =>
      SECRET_KEYS.has(key) && typeof value === 'string' ? '***' : value,
    ),
  );
}

function credentialsFrom(env: EnvSchema): OssCredentialsConfig | undefined {
  const id = env.OSS_ACCESS_KEY_ID ?? env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.OSS_ACCESS_KEY_ID
    ? env.OSS_ACCESS_KEY_SECRET
    : (env.OSS_ACCESS_KEY_SECRET ?? env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
  if (!id || !secret) {
    return undefined;
  }
  const token = env.OSS_SESSION_TOKEN ?? env.ALIBABA_CLOUD_SECURITY_TOKEN;
  return token
    ? { accessKeyId: id, accessKeySecret: secret, securityToken: token }
    : { accessKeyId: id, accessKeySecret: secret };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function buildAppConfig(raw: Record<string, string | undefined>): AppConfig {
  const env = validateEnv(raw);
  const credentials = credentialsFrom(env);
  return {
    mode: credentials ? 'upstream' : 'embedded',
    server: {
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      trustedProxies: commaList(env.GATEWAY_TRUSTED_PROXIES),
      ...(env.METRICS_PORT !== undefined ? { metricsPort: env.METRICS_PORT } : {}),
      corsOrigins: commaList(env.GATEWAY_CORS_ORIGINS),
      timeouts: {
        headersMs: env.GATEWAY_HEADERS_TIMEOUT_MS,
        requestMs: env.GATEWAY_REQUEST_TIMEOUT_MS,
        keepAliveMs: env.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
      },
      loadShedding: {
        maxEventLoopDelayMs: env.GATEWAY_MAX_EVENT_LOOP_DELAY_MS,
        ...(env.GATEWAY_MAX_HEAP_USED_BYTES !== undefined
          ? { maxHeapUsedBytes: env.GATEWAY_MAX_HEAP_USED_BYTES }
          : {}),
        maxRssBytes: env.GATEWAY_MAX_RSS_BYTES,
      },
    },
    oss: {
      region: env.OSS_REGION.replace(/^oss-/, ''),
      ...(env.OSS_ENDPOINT ? { endpoint: env.OSS_ENDPOINT } : {}),
      ...(env.OSS_ADDRESSING ? { addressing: env.OSS_ADDRESSING } : {}),
      internal: env.OSS_INTERNAL,
      ...(credentials ? { credentials } : {}),
      signatureVersion: env.OSS_SIGNATURE_VERSION,
      accountId: env.OSS_ACCOUNT_ID,
      timeouts: { connectMs: env.OSS_CONNECT_TIMEOUT_MS, requestMs: env.OSS_REQUEST_TIMEOUT_MS },
      retry: {
        maxAttempts: env.OSS_MAX_ATTEMPTS,
        baseDelayMs: env.OSS_RETRY_BASE_DELAY_MS,
        maxDelayMs: env.OSS_RETRY_MAX_DELAY_MS,
        totalBudgetMs: env.OSS_RETRY_BUDGET_MS,
      },
    },
    auth: env.GATEWAY_PRINCIPALS_FILE ? { principalsFile: env.GATEWAY_PRINCIPALS_FILE } : {},
    database: { url: env.DATABASE_URL },
    audit: {
      flushIntervalMs: env.AUDIT_FLUSH_INTERVAL_MS,
      batchSize: env.AUDIT_BATCH_SIZE,
      maxQueue: env.AUDIT_MAX_QUEUE,
      retryMaxDelayMs: env.AUDIT_RETRY_MAX_DELAY_MS,
    },
    rawEnv: { ...raw },
  };
}

/**
 * The configuration the gateway process starts with: `buildAppConfig` plus the rules about what the
 * process serves. Upstream mode needs a principals file: without one no caller could authenticate,
 * so every request would be refused (embedded mode writes its demo file). Tests and scripts that
 * boot the app without callers on purpose use `buildAppConfig`.
 */
export function buildProcessConfig(raw: Record<string, string | undefined>): AppConfig {
  const config = buildAppConfig(raw);
  if (config.mode === 'upstream' && !config.auth.principalsFile) {
    throw new ConfigValidationError([
      'GATEWAY_PRINCIPALS_FILE: is required in upstream mode (OSS credentials are set): without it no caller could authenticate',
    ]);
  }
  return config;
}

/** The one place the process environment is read. */
export function loadAppConfigFromProcess(): AppConfig {
  return buildProcessConfig(process.env);
}
