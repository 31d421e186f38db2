import { Agent } from 'undici';
import { OssClientError } from '../errors.js';

export interface TransportRequest {
  method: string;
  /** `scheme://host[:port]` */
  origin: string;
  /** Path + query string, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface TransportResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface TransportSendOptions {
  signal?: AbortSignal;
  /** Total time for this attempt (connect + headers + body). */
  timeoutMs?: number;
}

/**
 * The only layer that touches the network. Failures are `OssClientError`s:
 * `Aborted` (caller's signal), `Timeout` (connect or total), `NetworkError` (everything else).
 */
export interface HttpTransport {
  send(request: TransportRequest, options?: TransportSendOptions): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface UndiciTransportOptions {
  connectTimeoutMs: number;
  /** Default total timeout when `send` is not given one. */
  requestTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this long. Default 30 s. */
  keepAliveTimeoutMs?: number;
  /** Max sockets per origin. Default 64. */
  connectionsPerOrigin?: number;
  /** Responses larger than this are refused. Default 16 MiB. */
  maxResponseBytes?: number;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${message}` : message;
}

/** Keep-alive HTTP/1.1 over undici: one `Agent`, which keeps a connection pool per origin. */
export class UndiciTransport implements HttpTransport {
  private readonly agent: Agent;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: UndiciTransportOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connections: options.connectionsPerOrigin ?? 64,
      // The total timeout below bounds the whole exchange; undici's own per-phase timers stay off.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  async send(request: TransportRequest, options: TransportSendOptions = {}): Promise<TransportResponse> {
    const callerSignal = options.signal;
    if (callerSignal?.aborted) {
      throw new OssClientError('Aborted', 'The request was aborted before it was sent', {
        cause: callerSignal.reason,
      });
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

    try {
      const response = await this.agent.request({
        origin: request.origin,
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal: controller.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > this.maxResponseBytes) {
          response.body.destroy();
          throw new OssClientError(
            'MalformedResponse',
            `Response body exceeds ${this.maxResponseBytes} bytes`,
          );
        }
        chunks.push(buf);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) {
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
      }
      return { status: response.statusCode, headers, body: Buffer.concat(chunks, size) };
    } catch (error) {
      if (error instanceof OssClientError) {
        throw error;
      }
      if (callerSignal?.aborted) {
        throw new OssClientError('Aborted', 'The request was aborted', { cause: error });
      }
      if (timedOut) {
        throw new OssClientError('Timeout', `No complete response within ${timeoutMs} ms`, { cause: error });
      }
      const code = errorCode(error);
      if (code !== undefined && TIMEOUT_CODES.has(code)) {
        throw new OssClientError('Timeout', `Timed out: ${describe(error)}`, { cause: error });
      }
      throw new OssClientError('NetworkError', `Network error: ${describe(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
