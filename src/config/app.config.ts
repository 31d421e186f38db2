import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { type AccountConfig, parseAccountsFile } from './accounts-file.js';
import { deepFreeze } from './deep-freeze.js';
import { checkEmulatorConfig, type EmulatorConfig } from './emulator.config.js';
import { checkGatewayEnv, ConfigValidationError, type EnvSchema, type LogLevel } from './env.schema.js';
import { rateLimitTable, type RateLimitTable } from '../request/rate-limit/rate-limit-config.js';

export interface OssCredentialsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The typed configuration every module receives; built once from the validated environment, then frozen. */
export interface AppConfig {
  /** `embedded`: no OSS credentials set → the in-process emulator, demo data and demo keys. */
  readonly mode: 'embedded' | 'upstream';
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly logLevel: LogLevel;
    readonly trustedProxies: readonly string[];
    /** `/metrics` on this port (on `host`) and not on the API port; undefined → on the API port. */
    readonly metricsPort?: number;
    /** Browser origins allowed by CORS (none → no CORS headers). */
    readonly corsOrigins: readonly string[];
    readonly timeouts: {
      readonly headersMs: number;
      readonly requestMs: number;
      readonly keepAliveMs: number;
    };
    /** Load-shedding thresholds (0 = that check is off; heap undefined = 90% of the heap limit). */
    readonly loadShedding: {
      readonly maxEventLoopDelayMs: number;
      readonly maxHeapUsedBytes?: number;
      readonly maxRssBytes: number;
    };
  };
  readonly oss: {
    readonly region: string;
    readonly endpoint?: string;
    readonly addressing?: 'virtual' | 'path';
    readonly internal: boolean;
    /** Undefined in embedded mode until the emulator has started (`prepareEmbedded` returns the config with them). */
    readonly credentials?: Readonly<OssCredentialsConfig>;
    readonly signatureVersion: 'v4' | 'v1';
    readonly accountId: string;
    readonly timeouts: { readonly connectMs: number; readonly requestMs: number };
    readonly retry: {
      readonly maxAttempts: number;
      readonly baseDelayMs: number;
      /** Base of the longer back-off after throttling (`SlowDown`, 429, 503). */
      readonly throttleBaseDelayMs: number;
      readonly maxDelayMs: number;
      readonly totalBudgetMs: number;
    };
    /** Tokens of the client-wide retry quota (`OSS_RETRY_QUOTA`). */
    readonly retryQuota: number;
    /** Circuit breakers per (operation, endpoint) (`OSS_BREAKER_THRESHOLD`, `OSS_BREAKER_COOLDOWN_MS`). */
    readonly breaker: { readonly threshold: number; readonly cooldownMs: number };
    /** At most this many OSS calls per gateway request (`GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST`). */
    readonly maxCallsPerRequest: number;
  };
  readonly auth: { readonly principalsFile?: string };
  /**
   * The OSS accounts (DESIGN §11): GATEWAY_ACCOUNTS_FILE's in order, else the one account `default` of
   * `OSS_*`. The first is the default account (buckets no account lists are its); `config.oss`
   * describes it (credentials, region, endpoint, ARN account id).
   */
  readonly accounts: {
    readonly file?: string;
    readonly list: readonly AccountConfig[];
  };
  /** The inventory (DESIGN §11): seconds between full refreshes (`GATEWAY_INVENTORY_INTERVAL_SECONDS`, default 600). */
  readonly inventory: { readonly intervalSeconds: number };
  /** GATEWAY_RATE_LIMITS as a table; REDIS_URL shares the counters between instances. */
  readonly rateLimits: {
    readonly table: RateLimitTable;
    readonly redisUrl?: string;
    /** REDIS_KEY_PREFIX: gateways with the same prefix on the same Redis hold one limit. */
    readonly keyPrefix?: string;
  };
  /** GraphQL introspection and Playground (`GATEWAY_GRAPHQL_EXPLORER`; default: on in embedded mode only). */
  readonly graphqlExplorer: boolean;
  /** Largest declared cost of one GraphQL operation (`GATEWAY_GRAPHQL_MAX_COST`, default 25). */
  readonly graphqlMaxCost: number;
  readonly database: { readonly url: string };
  readonly audit: {
    readonly flushIntervalMs: number;
    readonly batchSize: number;
    /** Waiting events beyond which new requests are refused with 503 AUDIT_BACKPRESSURE (default 100,000). */
    readonly maxQueue?: number;
    /** Longest retry backoff while the store is down (default 30 s). */
    readonly retryMaxDelayMs?: number;
    /** This instance's hash chain (`GATEWAY_INSTANCE_ID`; default `<hostname>:<PORT>`). */
    readonly instanceId: string;
    /** `AUDIT_RETENTION_DAYS`: events older than this are pruned; undefined = kept forever. */
    readonly retentionDays?: number;
    /** `AUDIT_PRUNE_INTERVAL_MS`: how often retention prunes. */
    readonly pruneIntervalMs: number;
  };
  /** The progress sampler and rule health (DESIGN.md §11). */
  readonly fleet: {
    readonly sampleIntervalSeconds: number;
    readonly historyRetentionDays: number;
    readonly samplerMaxCallsPerInterval: number;
    readonly stallAfterSeconds: number;
    readonly lagThresholdSeconds: number;
    /** RTC rules: OSS's RTC promise (10 minutes), not configurable. */
    readonly rtcLagThresholdSeconds: number;
    /** `GATEWAY_METRICS_MAX_RULES`: rules exported as per-rule series. */
    readonly metricsMaxRules: number;
  };
  /** Embedded mode only: the in-process emulator's `EMULATOR_*` settings. */
  readonly emulator?: EmulatorConfig;
  /** The environment this config was built from (embedded mode builds its final config from it, with its overrides). */
  readonly rawEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * What embedded mode sets once its emulator runs: where the OSS client goes and with which keys,
 * and the demo principals file. The mode stays the one the environment decides.
 */
export interface ConfigOverrides {
  oss?: Partial<Pick<AppConfig['oss'], 'endpoint' | 'addressing' | 'credentials'>>;
  auth?: Partial<AppConfig['auth']>;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

const SECRET_KEYS = new Set(['accessKeySecret', 'securityToken']);

/** JSON-safe view of the config with secrets masked, for start-up logs. */
export function redactConfig(config: AppConfig): unknown {
  return JSON.parse(
    JSON.stringify({ ...config, rawEnv: undefined }, (key, value: unknown) => {
      if (typeof value !== 'string') {
        return value;
      }
      if (key === 'redisUrl') {
        // redis://user:password@host → redis://user:***@host
        return value.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
      }
      return SECRET_KEYS.has(key) ? '***' : value;
    }),
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

/** The id of the one account of `OSS_*` when no accounts file is given (DESIGN §11). */
export const DEFAULT_ACCOUNT_ID = 'default';

/**
 * The accounts of GATEWAY_ACCOUNTS_FILE, credentials resolved from the variables it names.
 * @throws ConfigValidationError naming each problem by its path in the file (exit code 78 at start-up).
 */
function readAccountsFile(file: string, raw: Record<string, string | undefined>): AccountConfig[] {
  const heading = `Invalid accounts file ${file} (GATEWAY_ACCOUNTS_FILE)`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigValidationError([`$: cannot be read: ${(error as Error).message}`], heading);
  }
  const result = parseAccountsFile(text, file, raw);
  if (!result.ok) {
    throw new ConfigValidationError(
      result.problems.map((p) => `${p.path}: ${p.message}`),
      heading,
    );
  }
  return result.accounts;
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The validated configuration, deeply frozen: the environment's values, then `overrides`. Without OSS
 * credentials (embedded mode) the `EMULATOR_*` variables are validated too, in the same report.
 * @throws ConfigValidationError naming every bad variable and its rule.
 */
export function buildAppConfig(
  raw: Record<string, string | undefined>,
  overrides: ConfigOverrides = {},
): AppConfig {
  const { env, problems } = checkGatewayEnv(raw);
  const fileAccounts =
    env.GATEWAY_ACCOUNTS_FILE !== undefined ? readAccountsFile(env.GATEWAY_ACCOUNTS_FILE, raw) : undefined;
  // With an accounts file, the first account is the default one and its keys are the client's.
  const credentials = fileAccounts ? fileAccounts[0].credentials : credentialsFrom(env);
  const emulator = credentials ? undefined : checkEmulatorConfig(raw);
  problems.push(...(emulator?.problems ?? []));
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  const principalsFile = overrides.auth?.principalsFile ?? env.GATEWAY_PRINCIPALS_FILE;
  const mode = credentials ? 'upstream' : 'embedded';
  const first = fileAccounts?.[0];
  const region = first?.region ?? env.OSS_REGION.replace(/^oss-/, '');
  const endpoint = first?.endpoint ?? env.OSS_ENDPOINT;
  const accountId = first?.arnAccountId ?? env.OSS_ACCOUNT_ID;
  const accounts: AccountConfig[] = fileAccounts
    ? fileAccounts.map((a) =>
        a.endpoint === undefined && env.OSS_ENDPOINT ? { ...a, endpoint: env.OSS_ENDPOINT } : a,
      )
    : [
        {
          id: DEFAULT_ACCOUNT_ID,
          name: DEFAULT_ACCOUNT_ID,
          arnAccountId: accountId,
          region,
          ...(endpoint ? { endpoint } : {}),
        },
      ];
  return deepFreeze({
    mode,
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
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(env.OSS_ADDRESSING ? { addressing: env.OSS_ADDRESSING } : {}),
      internal: env.OSS_INTERNAL,
      ...(credentials ? { credentials } : {}),
      ...overrides.oss,
      signatureVersion: env.OSS_SIGNATURE_VERSION,
      accountId,
      timeouts: { connectMs: env.OSS_CONNECT_TIMEOUT_MS, requestMs: env.OSS_REQUEST_TIMEOUT_MS },
      retry: {
        maxAttempts: env.OSS_MAX_ATTEMPTS,
        baseDelayMs: env.OSS_RETRY_BASE_DELAY_MS,
        throttleBaseDelayMs: env.OSS_RETRY_THROTTLE_BASE_DELAY_MS ?? env.OSS_RETRY_BASE_DELAY_MS * 5,
        maxDelayMs: env.OSS_RETRY_MAX_DELAY_MS,
        totalBudgetMs: env.OSS_RETRY_BUDGET_MS,
      },
      retryQuota: env.OSS_RETRY_QUOTA,
      breaker: { threshold: env.OSS_BREAKER_THRESHOLD, cooldownMs: env.OSS_BREAKER_COOLDOWN_MS },
      maxCallsPerRequest: env.GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST,
    },
    auth: principalsFile ? { principalsFile } : {},
    accounts:
      env.GATEWAY_ACCOUNTS_FILE !== undefined
        ? { file: env.GATEWAY_ACCOUNTS_FILE, list: accounts }
        : { list: accounts },
    inventory: { intervalSeconds: env.GATEWAY_INVENTORY_INTERVAL_SECONDS },
    rateLimits: {
      table: rateLimitTable(env.GATEWAY_RATE_LIMITS),
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
      ...(env.REDIS_KEY_PREFIX ? { keyPrefix: env.REDIS_KEY_PREFIX } : {}),
    },
    graphqlExplorer: (env.GATEWAY_GRAPHQL_EXPLORER ?? (mode === 'embedded' ? 'on' : 'off')) === 'on',
    graphqlMaxCost: env.GATEWAY_GRAPHQL_MAX_COST,
    database: { url: env.DATABASE_URL },
    audit: {
      flushIntervalMs: env.AUDIT_FLUSH_INTERVAL_MS,
      batchSize: env.AUDIT_BATCH_SIZE,
      maxQueue: env.AUDIT_MAX_QUEUE,
      retryMaxDelayMs: env.AUDIT_RETRY_MAX_DELAY_MS,
      instanceId: env.GATEWAY_INSTANCE_ID ?? `${hostname()}:${env.PORT}`.slice(0, 128),
      ...(env.AUDIT_RETENTION_DAYS !== undefined ? { retentionDays: env.AUDIT_RETENTION_DAYS } : {}),
      pruneIntervalMs: env.AUDIT_PRUNE_INTERVAL_MS,
    },
    fleet: {
      sampleIntervalSeconds: env.GATEWAY_SAMPLE_INTERVAL_SECONDS ?? (mode === 'embedded' ? 5 : 60),
      historyRetentionDays: env.GATEWAY_HISTORY_RETENTION_DAYS,
      samplerMaxCallsPerInterval: env.GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL,
      // Embedded: a minute, so the demo's paused rule shows as stalled soon after `npm start`.
      stallAfterSeconds: env.GATEWAY_STALL_AFTER_SECONDS ?? (mode === 'embedded' ? 60 : 1_800),
      lagThresholdSeconds: env.GATEWAY_LAG_THRESHOLD_SECONDS,
      rtcLagThresholdSeconds: 600,
      metricsMaxRules: env.GATEWAY_METRICS_MAX_RULES,
    },
    ...(emulator ? { emulator: emulator.config } : {}),
    rawEnv: { ...raw },
  });
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

/** The gateway's one read of the process environment (`npm run emulator` reads it in src/emulator/main.ts). */
export function loadAppConfigFromProcess(): AppConfig {
  return buildProcessConfig(process.env);
}
