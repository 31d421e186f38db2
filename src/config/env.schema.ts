import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  ValidateBy,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { DEFAULT_RATE_LIMITS, parseRateLimits } from '../request/rate-limit/rate-limit-config.js';

/** Strings such as "true", "1", "yes" become booleans; anything else stays as given (and fails @IsBoolean). */
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) {
    return true;
  }
  if (['false', '0', 'no', 'off', ''].includes(v)) {
    return false;
  }
  return value;
};

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toTrimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

const toLowerTrimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** A whole number of seconds, or `off`. */
const toSecondsOrOff = ({ value }: { value: unknown }): unknown => {
  const v = toLowerTrimmed({ value });
  return v === 'off' ? v : toInt({ value: v });
};

/** A comma-separated list of `entry`, blanks around entries allowed. */
function listOf(entry: string): RegExp {
  return new RegExp(`^\\s*${entry}\\s*(,\\s*${entry}\\s*)*$`);
}

const REGION_ID = '[a-z]{2,}(?:-[a-z0-9]+)+';

export enum LogLevel {
  fatal = 'fatal',
  error = 'error',
  warn = 'warn',
  info = 'info',
  debug = 'debug',
  trace = 'trace',
  silent = 'silent',
}

/**
 * The gateway's environment variables, with their rules and defaults; the emulator's are in
 * EmulatorEnvSchema below. The README's configuration table documents the same names.
 */
export class EnvSchema {
  // ---- HTTP server
  @IsOptional() @IsString() HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsOptional() @IsEnum(LogLevel) LOG_LEVEL: LogLevel = LogLevel.info;
  /** Comma-separated IPs/CIDRs whose X-Forwarded-For is honoured. */
  @IsOptional() @IsString() GATEWAY_TRUSTED_PROXIES = '';
  @IsOptional() @IsString() GATEWAY_PRINCIPALS_FILE?: string;
  /** The OSS accounts the gateway manages (YAML, DESIGN §11); without it, the one account of `OSS_*`. */
  @IsOptional() @IsString() @MinLength(1) GATEWAY_ACCOUNTS_FILE?: string;
  /** `class=N/unit[:burst=M]`, comma-separated (DESIGN.md §9); classes not named keep their default. */
  @IsOptional()
  @ValidateBy({
    name: 'isRateLimits',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseRateLimits(value).table !== undefined,
      defaultMessage: (args) =>
        typeof args?.value === 'string'
          ? parseRateLimits(args.value).problems.join('; ')
          : 'must be class=N/unit[:burst=M], comma-separated',
    },
  })
  GATEWAY_RATE_LIMITS = DEFAULT_RATE_LIMITS;

  // ---- shared state across instances (DESIGN.md §7)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  /** Prefix of the rate-limit counter keys in Redis (default `gateway:rl`; one prefix, one set of limits). */
  @IsOptional()
  @Matches(/^[\w:.-]{1,64}$/, { message: 'must be 1 to 64 letters, digits, _ : . or -' })
  REDIS_KEY_PREFIX?: string;
  /** GraphQL introspection and Playground: default `on` in embedded mode, `off` in upstream mode. */
  @IsOptional() @IsIn(['on', 'off']) GATEWAY_GRAPHQL_EXPLORER?: 'on' | 'off';
  /** Largest declared cost of one GraphQL operation (sum of its upstream-costing fields, DESIGN.md §9). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) GATEWAY_GRAPHQL_MAX_COST = 25;
  /** `/metrics` on a port of its own (on HOST) instead of the API port. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) METRICS_PORT?: number;
  /** Comma-separated browser origins (`https://portal.example.com`) allowed by CORS; none by default. */
  @IsOptional() @IsString() GATEWAY_CORS_ORIGINS = '';
  /** From the connection to the end of a request's headers. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) GATEWAY_HEADERS_TIMEOUT_MS = 10_000;
  /** For a whole request, headers and body. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) GATEWAY_REQUEST_TIMEOUT_MS = 30_000;
  /** An idle keep-alive connection is closed after this. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) GATEWAY_KEEP_ALIVE_TIMEOUT_MS = 65_000;
  /** Load shedding: mean event-loop delay (ms) above which new requests get 503 OVERLOADED; 0 = off. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(600_000) GATEWAY_MAX_EVENT_LOOP_DELAY_MS = 1_000;
  /** Load shedding: heap in use (bytes) above which new requests are shed; 0 = off. Default: 90% of the heap limit. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) GATEWAY_MAX_HEAP_USED_BYTES?: number;
  /** Load shedding: resident set size (bytes) above which new requests are shed; 0 = off. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) GATEWAY_MAX_RSS_BYTES = 0;

  // ---- OSS upstream
  @IsOptional()
  @Matches(/^(oss-)?[a-z]{2,}(-[a-z0-9]+)+$/, { message: 'must be a region id such as cn-hangzhou' })
  OSS_REGION = 'cn-hangzhou';
  @IsOptional()
  @Matches(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, {
    message: 'must be a host[:port] or an http(s):// URL without a path',
  })
  OSS_ENDPOINT?: string;
  @IsOptional() @IsIn(['virtual', 'path']) OSS_ADDRESSING?: 'virtual' | 'path';
  @IsOptional() @Transform(toBoolean) @IsBoolean() OSS_INTERNAL = false;
  @IsOptional() @IsString() @MinLength(1) OSS_ACCESS_KEY_ID?: string;
  @IsOptional() @IsString() @MinLength(1) OSS_ACCESS_KEY_SECRET?: string;
  @IsOptional() @IsString() @MinLength(1) OSS_SESSION_TOKEN?: string;
  @IsOptional() @IsString() @MinLength(1) ALIBABA_CLOUD_ACCESS_KEY_ID?: string;
  @IsOptional() @IsString() @MinLength(1) ALIBABA_CLOUD_ACCESS_KEY_SECRET?: string;
  @IsOptional() @IsString() @MinLength(1) ALIBABA_CLOUD_SECURITY_TOKEN?: string;
  @IsOptional() @IsIn(['v4', 'v1']) OSS_SIGNATURE_VERSION: 'v4' | 'v1' = 'v4';
  @IsOptional() @Matches(/^(\d{1,32}|\*)$/, { message: 'must be a numeric account id or *' }) OSS_ACCOUNT_ID =
    '*';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) OSS_CONNECT_TIMEOUT_MS = 5_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) OSS_REQUEST_TIMEOUT_MS = 15_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10) OSS_MAX_ATTEMPTS = 3;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60_000) OSS_RETRY_BASE_DELAY_MS = 100;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(600_000) OSS_RETRY_MAX_DELAY_MS = 5_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) OSS_RETRY_BUDGET_MS = 30_000;
  /** Base of the longer back-off after SlowDown/429/503; default 5 × OSS_RETRY_BASE_DELAY_MS. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60_000) OSS_RETRY_THROTTLE_BASE_DELAY_MS?: number;
  /** Tokens of the client-wide retry quota (a retry costs 5, after a reset/timeout 10); 0 = no retries. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000) OSS_RETRY_QUOTA = 500;
  /** Consecutive OSS failures (5xx, throttling, resets, timeouts) that open an operation's breaker at an endpoint. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) OSS_BREAKER_THRESHOLD = 5;
  /** How long an open breaker answers 503 before it lets one probe through. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) OSS_BREAKER_COOLDOWN_MS = 10_000;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST = 25;

  // ---- storage
  @IsOptional()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<path> (or sqlite::memory:) or postgres://…',
  })
  DATABASE_URL = 'sqlite:./data/gateway.db';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(60_000) AUDIT_FLUSH_INTERVAL_MS = 200;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) AUDIT_BATCH_SIZE = 500;
  /** Audit events waiting to be written beyond which new requests get 503 AUDIT_BACKPRESSURE (none is dropped). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000) AUDIT_MAX_QUEUE = 100_000;
  /** Upper bound of the retry backoff while the audit store is down. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) AUDIT_RETRY_MAX_DELAY_MS = 30_000;

  // ---- replication you can see (DESIGN.md §11)
  /** Seconds between two full inventory refreshes (ListBuckets of every account, each bucket's rules). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400) GATEWAY_INVENTORY_INTERVAL_SECONDS = 600;
  /** Seconds between progress sampler passes; default 60, embedded mode 5. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400) GATEWAY_SAMPLE_INTERVAL_SECONDS?: number;
  /** Progress samples older than this many days are deleted. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3_650) GATEWAY_HISTORY_RETENTION_DAYS = 30;
  /** OSS calls one sampler pass may make (a bucket costs one listing plus one call per rule). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1_000_000)
  GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL = 500;
  /** A rule whose historical fraction and new-object watermark have not moved for this long is stalled. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(30 * 86_400) GATEWAY_STALL_AFTER_SECONDS?: number;
  /** A rule (without RTC) whose new objects are further behind than this is lagging. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(30 * 86_400) GATEWAY_LAG_THRESHOLD_SECONDS = 900;
  /** This instance's audit hash chain (DESIGN.md §10); default `<hostname>:<PORT>`, the same after a restart. */
  @IsOptional()
  @Matches(/^[\w.:@/-]{1,128}$/, { message: 'must be 1 to 128 letters, digits, _ . : @ / or -' })
  GATEWAY_INSTANCE_ID?: string;
  /** Audit events older than this many days are pruned (each chain keeps a checkpoint); unset = kept forever. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(36_500) AUDIT_RETENTION_DAYS?: number;
  /** How often retention prunes (when AUDIT_RETENTION_DAYS is set). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(86_400_000) AUDIT_PRUNE_INTERVAL_MS = 3_600_000;
  /** Rules exported as per-rule Prometheus series (the first in account, bucket, rule order); 0 = none. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100_000) GATEWAY_METRICS_MAX_RULES = 500;
}

/**
 * The OSS emulator's variables, read by `npm run emulator` and, in embedded mode, by the gateway. Cross
 * checks (a default region among EMULATOR_REGIONS, seeded buckets' names and regions) are in
 * `emulator.config.ts`; both report through ConfigValidationError.
 */
export class EmulatorEnvSchema {
  @IsOptional()
  @Transform(toTrimmed)
  @Matches(/^[A-Za-z0-9.:-]+$/, { message: 'must be a host name or IP address' })
  EMULATOR_HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) EMULATOR_PORT = 9000;
  /** `accessKeyId:accessKeySecret[:securityToken],…`; the demo pair when unset. Never echoed in errors. */
  @IsOptional()
  @Matches(listOf('[A-Za-z0-9._-]+\\s*(?::\\s*[^:,\\s][^:,]*){1,2}'), {
    message: 'must be accessKeyId:accessKeySecret[:securityToken], comma-separated',
  })
  EMULATOR_ACCESS_KEYS?: string;
  /** Allowed distance between request time and server time, or `off` (no check, no presign expiry). */
  @Transform(toSecondsOrOff)
  @ValidateIf((env: EmulatorEnvSchema) => env.EMULATOR_CLOCK_SKEW_SECONDS !== 'off')
  @IsInt({ message: 'must be an integer between 1 and 604800, or off' })
  @Min(1, { message: 'must be an integer between 1 and 604800, or off' })
  @Max(7 * 24 * 3600, { message: 'must be an integer between 1 and 604800, or off' })
  EMULATOR_CLOCK_SKEW_SECONDS: number | 'off' = 900;
  /** Comma-separated region ids; the built-in set when unset. */
  @IsOptional()
  @Matches(listOf(REGION_ID), { message: 'must be comma-separated region ids like cn-hangzhou' })
  EMULATOR_REGIONS?: string;
  @IsOptional()
  @Transform(toTrimmed)
  @Matches(new RegExp(`^(oss-)?${REGION_ID}$`), { message: 'must be a region id like cn-hangzhou' })
  EMULATOR_DEFAULT_REGION?: string;
  /** Persist buckets, rules and objects here; in memory when unset. */
  @IsOptional() @Transform(toTrimmed) @IsString() EMULATOR_DATA_DIR?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'must be on or off' }) EMULATOR_FAULTS = false;
  /** Objects replicated per second over all rules (the emulator's default is 50; embedded mode's 10). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  EMULATOR_REPLICATION_OBJECTS_PER_SECOND?: number;
  /** `npm run emulator`: one line per request unless `off`. */
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'must be on or off' }) EMULATOR_LOG = true;
  /** `npm run emulator`: `demo` seeds the embedded demo data set. */
  @IsOptional()
  @Transform(toLowerTrimmed)
  @IsIn(['demo', 'none'], { message: 'must be demo or none' })
  EMULATOR_SEED: 'demo' | 'none' = 'none';
  /** `npm run emulator`: empty buckets to create, `name:region,…`. */
  @IsOptional()
  @Matches(listOf('[^:,\\s]+\\s*:\\s*[^:,\\s]+'), {
    message: 'must be name:region, comma-separated (e.g. my-bucket:cn-hangzhou)',
  })
  EMULATOR_BUCKETS?: string;
}

/** Variables whose value an error message never shows. */
const SENSITIVE = new Set(['EMULATOR_ACCESS_KEYS']);

/**
 * What stops the process at start-up: a heading and one line per problem (`WHERE: rule`). Bad
 * environment variables and a bad principals file are reported in this one format (exit code 78).
 */
export class ConfigValidationError extends Error {
  constructor(
    readonly problems: string[],
    heading = 'Invalid configuration',
  ) {
    super(`${heading}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** The rule worth reporting first: a value of the wrong type says nothing useful about its range. */
const RULE_PRIORITY = [
  'isInt',
  'isBoolean',
  'isEnum',
  'isIn',
  'matches',
  'isString',
  'min',
  'max',
  'minLength',
];

function firstRule(constraints: Record<string, string>): string[] {
  const key = RULE_PRIORITY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  return key ? [constraints[key]] : [];
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    firstRule(e.constraints ?? {}).map((msg) => {
      if (SENSITIVE.has(e.property)) {
        return `${e.property}: ${msg}`;
      }
      // class-validator messages start with the property name; keep them, add the offending value.
      const value = JSON.stringify(e.value);
      return `${e.property}=${value.length > 60 ? value.slice(0, 57) + '…"' : value}: ${msg}`;
    }),
  );
}

/** A schema applied to the raw environment: the typed values and one line per problem (`NAME=value: rule`). */
export interface CheckedEnv<T> {
  env: T;
  problems: string[];
  /** The variables with a problem (their values in `env` are not to be used). */
  invalid: ReadonlySet<string>;
}

/** Applies `schema` (defaults, transforms, rules) to the raw environment; unset and empty values are absent. */
export function checkEnv<T extends object>(
  schema: new () => T,
  raw: Record<string, string | undefined>,
): CheckedEnv<T> {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(schema, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  return { env, problems: describe(errors), invalid: new Set(errors.map((e) => e.property)) };
}

/** The gateway's variables: EnvSchema's rules and the credential pairs. */
export function checkGatewayEnv(raw: Record<string, string | undefined>): CheckedEnv<EnvSchema> {
  const checked = checkEnv(EnvSchema, raw);
  const { env, problems } = checked;
  const pairs: Array<[keyof EnvSchema, keyof EnvSchema]> = [
    ['OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET'],
    ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
  ];
  if (env.GATEWAY_HEADERS_TIMEOUT_MS > env.GATEWAY_REQUEST_TIMEOUT_MS) {
    problems.push(
      `GATEWAY_HEADERS_TIMEOUT_MS: must not be longer than GATEWAY_REQUEST_TIMEOUT_MS (${env.GATEWAY_REQUEST_TIMEOUT_MS})`,
    );
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problems.push(`METRICS_PORT: must differ from PORT (${env.PORT})`);
  }
  for (const [id, secret] of pairs) {
    if (Boolean(env[id]) !== Boolean(env[secret])) {
      problems.push(`${env[id] ? secret : id}: must be set together with ${env[id] ? id : secret}`);
    }
  }
  return checked;
}

/** Validates the gateway's variables; throws ConfigValidationError naming each bad variable and its rule. */
export function validateEnv(raw: Record<string, string | undefined>): EnvSchema {
  const { env, problems } = checkGatewayEnv(raw);
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return env;
}
