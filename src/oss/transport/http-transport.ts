import { Agent, type Dispatcher } from 'undici';
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

/**
 * One exchange as an undici dispatch handler: collects the body into a Buffer and settles the send
 * promise exactly once. The total timeout is one timer; the caller's signal gets one listener (only
 * when there is a signal). No AbortController, no response stream and no async iterator per call.
 * A timeout or abort settles at once, even while undici has not yet started the request (queued or
 * connecting); the request is then cancelled as soon as undici hands over its abort function.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private settled = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private abortRequest: ((reason?: Error) => void) | undefined;
  /** Why this side ended the exchange (timeout, caller abort, oversized body); undefined while running. */
  private cancelled: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxResponseBytes: number,
    private readonly timeoutMs: number,
    private readonly resolve: (response: TransportResponse) => void,
    private readonly reject: (error: OssClientError) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    this.timer.unref();
    signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  private readonly onTimeout = (): void => {
    const cause = new Error(`timed out after ${this.timeoutMs} ms`);
    this.cancel(
      cause,
      new OssClientError('Timeout', `No complete response within ${this.timeoutMs} ms`, { cause }),
    );
  };

  private readonly onCallerAbort = (): void => {
    const reason: unknown = this.signal?.reason;
    const cause = reason instanceof Error ? reason : new Error('aborted', { cause: reason });
    this.cancel(cause, new OssClientError('Aborted', 'The request was aborted', { cause: reason }));
  };

  onConnect(abort: (reason?: Error) => void): void {
    if (this.cancelled) {
      abort(this.cancelled);
      return;
    }
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) {
      // 1xx informational answers are followed by the real one.
      return true;
    }
    this.status = statusCode;
    const headers: Record<string, string> = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i].toString('latin1').toLowerCase();
      const value = rawHeaders[i + 1].toString('utf8');
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous}, ${value}`;
    }
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxResponseBytes) {
      const error = new OssClientError(
        'MalformedResponse',
        `Response body exceeds ${this.maxResponseBytes} bytes`,
      );
      this.cancel(error, error);
      return false;
    }
    // undici lends a view of its parser buffer: keep a copy.
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  onComplete(): void {
    if (this.finish()) {
      const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
      this.resolve({ status: this.status, headers: this.headers, body });
    }
  }

  onError(error: Error): void {
    if (!this.finish()) {
      return;
    }
    const code = errorCode(error);
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      this.reject(new OssClientError('Timeout', `Timed out: ${describe(error)}`, { cause: error }));
    } else {
      this.reject(new OssClientError('NetworkError', `Network error: ${describe(error)}`, { cause: error }));
    }
  }

  /** Ends the exchange from this side: settles with `error` and cancels the request in undici. */
  private cancel(reason: Error, error: OssClientError): void {
    if (!this.finish()) {
      return;
    }
    this.cancelled = reason;
    this.reject(error);
    this.abortRequest?.(reason);
  }

  /** True exactly once: the first caller settles the promise. */
  private finish(): boolean {
    if (this.settled) {
      return false;
    }
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onCallerAbort);
    return true;
  }
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
      // The total timeout of each exchange bounds it; undici's own per-phase timers stay off.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  send(request: TransportRequest, options: TransportSendOptions = {}): Promise<TransportResponse> {
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.reject(
        new OssClientError('Aborted', 'The request was aborted before it was sent', {
          cause: signal.reason,
        }),
      );
    }
    return new Promise<TransportResponse>((resolve, reject) => {
      const exchange = new Exchange(
        this.maxResponseBytes,
        options.timeoutMs ?? this.requestTimeoutMs,
        resolve,
        reject,
        signal,
      );
      // Dispatch errors (bad origin, closed agent) arrive through `onError` as well.
      this.agent.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
        },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
