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
  validateSync,
  type ValidationError,
} from 'class-validator';

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
 * Every environment variable the gateway reads, with its rule and default. The README's
 * configuration table documents the same names. `process.env` is read nowhere else.
 */
export class EnvSchema {
  // ---- HTTP server
  @IsOptional() @IsString() HOST = '127.0.0.1';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsOptional() @IsEnum(LogLevel) LOG_LEVEL: LogLevel = LogLevel.info;
  /** Comma-separated IPs/CIDRs whose X-Forwarded-For is honoured. */
  @IsOptional() @IsString() GATEWAY_TRUSTED_PROXIES = '';
  @IsOptional() @IsString() GATEWAY_PRINCIPALS_FILE?: string;
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

  // ---- storage
  @IsOptional()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<path> (or sqlite::memory:) or postgres://…',
  })
  DATABASE_URL = 'sqlite:./data/gateway.db';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(60_000) AUDIT_FLUSH_INTERVAL_MS = 200;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) AUDIT_BATCH_SIZE = 500;
  /** Events held in memory while the audit store is down; beyond it new events are dropped (logged, counted). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000) AUDIT_MAX_QUEUE = 100_000;
  /** Upper bound of the retry backoff while the audit store is down. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000) AUDIT_RETRY_MAX_DELAY_MS = 30_000;
}

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
      // class-validator messages start with the property name; keep them, add the offending value.
      const value = JSON.stringify(e.value);
      return `${e.property}=${value.length > 60 ? value.slice(0, 57) + '…"' : value}: ${msg}`;
    }),
  );
}

/** Validates the raw environment; throws ConfigValidationError naming each bad variable and its rule. */
export function validateEnv(raw: Record<string, string | undefined>): EnvSchema {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvSchema, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  const problems = describe(errors);
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
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return env;
}
