import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths whose values never reach a log line, whatever logs them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.accessKeySecret',
  '*.securityToken',
  '*.secret',
  'accessKeySecret',
  'securityToken',
];

/** The process's structured (JSON) logger; `level` comes from LOG_LEVEL. */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'oss-replication-gateway' },
    redact: { paths: REDACT, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

function render(message: unknown): { msg: string; extra?: Record<string, unknown> } {
  if (message instanceof Error) {
    return { msg: message.message, extra: { err: message } };
  }
  if (typeof message === 'object' && message !== null) {
    const { msg, ...extra } = message as Record<string, unknown>;
    return { msg: typeof msg === 'string' ? msg : '', extra };
  }
  return { msg: String(message) };
}

/** Nest's LoggerService on top of pino: `context` becomes a field, objects are merged, errors kept. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
  ): void {
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const { msg, extra } = render(message);
    // Nest passes an error's stack as the first extra parameter; other strings complete the message.
    const first = params[0];
    const stack = typeof first === 'string' && first.includes('\n    at ') ? first : undefined;
    const rest = params.filter((p) => p !== stack && typeof p === 'string') as string[];
    const text = [msg, ...rest].filter(Boolean).join(' ');
    this.logger[level]({ ...(context ? { context } : {}), ...extra, ...(stack ? { stack } : {}) }, text);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}
