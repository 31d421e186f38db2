/**
 * Helpers for end-to-end tests against the OSS emulator.
 *
 * Everything an OSS client would send goes through the project's `OssClient`. What lives here is
 * the rest: a raw HTTP sender for requests the client would never produce (anonymous, odd Host
 * headers, chunked bodies, hand-made signatures, presigned URLs), a transport that lets the client
 * use virtual-hosted addressing without DNS, a manual clock, a per-request log of the emulator,
 * a client for the emulator's test admin endpoints (faults and clock), and small assertion helpers
 * for the client's typed errors.
 */
import { request as httpRequest } from 'node:http';
import { OssClientError, OssServiceError } from '../../src/oss/errors.js';
import type { OssClientErrorCode } from '../../src/oss/errors.js';
import { encodeQuery } from '../../src/oss/endpoint.js';
import { uriEncode } from '../../src/oss/signer/encoding.js';
import type { OssCredentials, QueryPair, SignableRequest } from '../../src/oss/signer/types.js';
import { presignV1, signV1Header } from '../../src/oss/signer/v1.js';
import { presignV4, signV4Header } from '../../src/oss/signer/v4.js';
import type {
  HttpTransport,
  TransportRequest,
  TransportResponse,
  TransportSendOptions,
} from '../../src/oss/transport/http-transport.js';
import { UndiciTransport } from '../../src/oss/transport/http-transport.js';

export { encodeQuery };

// ---- raw HTTP -----------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Path + query exactly as sent. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in two chunks. */
  chunked?: boolean;
}

/** Sends bytes as given (Host header included when set) to the server at `baseUrl`. */
export function sendRaw(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined && !req.chunked) {
      headers['Content-Length'] = String(body.length);
    }
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        setHost: !Object.keys(headers).some((h) => h.toLowerCase() === 'host'),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            text: buf.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    if (body !== undefined) {
      if (req.chunked) {
        r.write(body.subarray(0, Math.ceil(body.length / 2)));
        r.write(body.subarray(Math.ceil(body.length / 2)));
      } else {
        r.write(body);
      }
    }
    r.end();
  });
}

/** A path-style request to sign by hand. */
export interface RawSignable {
  method: string;
  bucket?: string;
  key?: string;
  query?: QueryPair[];
  headers?: Record<string, string>;
  body?: Buffer | string;
  chunked?: boolean;
}

export interface RawSigning {
  credentials: OssCredentials;
  version: 'v1' | 'v4';
  now: Date;
  /** Default `cn-hangzhou`. */
  region?: string;
}

function signable(req: RawSignable): SignableRequest {
  const out: SignableRequest = {
    method: req.method,
    query: [...(req.query ?? [])],
    headers: { ...(req.headers ?? {}) },
  };
  if (req.bucket !== undefined) {
    out.bucket = req.bucket;
  }
  if (req.key !== undefined) {
    out.key = req.key;
  }
  return out;
}

function pathOf(req: RawSignable, query: readonly QueryPair[]): string {
  const path = req.bucket ? `/${req.bucket}/${req.key ? uriEncode(req.key, true) : ''}` : '/';
  const qs = encodeQuery(query);
  return qs ? `${path}?${qs}` : path;
}

/** Signs a path-style request in the Authorization header, for sending with `sendRaw`. */
export function signRaw(req: RawSignable, signing: RawSigning): RawRequest {
  const s = signable(req);
  const opts = {
    credentials: signing.credentials,
    region: signing.region ?? 'cn-hangzhou',
    now: signing.now,
  };
  if (signing.version === 'v4') {
    signV4Header(s, opts);
  } else {
    signV1Header(s, opts);
  }
  const raw: RawRequest = { method: req.method, path: pathOf(req, s.query), headers: s.headers };
  if (req.body !== undefined) {
    raw.body = req.body;
  }
  if (req.chunked) {
    raw.chunked = true;
  }
  return raw;
}

/** A presigned path-style URL (V1 `Expires` or V4 `x-oss-expires`), valid `expiresSeconds` from `now`. */
export function presignRaw(req: RawSignable, signing: RawSigning, expiresSeconds: number): RawRequest {
  const s = signable(req);
  const base = {
    credentials: signing.credentials,
    region: signing.region ?? 'cn-hangzhou',
    now: signing.now,
  };
  if (signing.version === 'v4') {
    presignV4(s, { ...base, expiresSeconds });
  } else {
    presignV1(s, { ...base, expiresAt: Math.floor(signing.now.getTime() / 1000) + expiresSeconds });
  }
  return { method: req.method, path: pathOf(req, s.query), headers: s.headers };
}

/** Text of the first `<name>` element (enough for assertions on simple OSS XML). */
export function xmlValue(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1] : undefined;
}

export function xmlValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]);
}

// ---- client-side helpers ------------------------------------------------------------------------

/**
 * Sends every request to `targetUrl` (the emulator) whatever its origin, keeping the Host the
 * client chose: virtual-hosted addressing (`Host: bucket.oss-cn-beijing.aliyuncs.com`) with no DNS.
 */
export class LoopbackTransport implements HttpTransport {
  private readonly inner: UndiciTransport;
  /** Host headers of the requests sent, in order. */
  readonly hosts: string[] = [];

  constructor(
    private readonly targetUrl: string,
    timeouts = { connectMs: 1000, requestMs: 5000 },
  ) {
    this.inner = new UndiciTransport({
      connectTimeoutMs: timeouts.connectMs,
      requestTimeoutMs: timeouts.requestMs,
    });
  }

  send(request: TransportRequest, options?: TransportSendOptions): Promise<TransportResponse> {
    const host = new URL(request.origin).host;
    this.hosts.push(host);
    return this.inner.send(
      { ...request, origin: new URL(this.targetUrl).origin, headers: { ...request.headers, host } },
      options,
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A clock tests move by hand; shared by the emulator and the client so neither drifts. */
export class ManualClock {
  constructor(private ms: number) {}

  readonly now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface LoggedRequest {
  /** The emulator's operation name (`GetBucketReplication`, `Unknown` for admin routes). */
  operation: string;
  /** HTTP status answered; -1 for a reset connection. */
  status: number;
}

/** Collects the emulator's one-line-per-request log (pass `logger` to `startEmulator`). */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  readonly logger = (line: string): void => {
    // `${method} ${path} ${operation} ${status} ${ms}ms ${requestId}`
    const parts = line.split(' ');
    if (parts.length === 6) {
      this.entries.push({ operation: parts[2], status: Number(parts[3]) });
    }
  };

  /** Statuses answered to `operation`, in order. */
  statuses(operation: string): number[] {
    return this.entries.filter((e) => e.operation === operation).map((e) => e.status);
  }

  count(operation: string): number {
    return this.statuses(operation).length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

// ---- the emulator's test admin endpoints -------------------------------------------------------

export interface AdminAnswer<T = Record<string, unknown>> {
  status: number;
  /** The JSON body; `{}` when there is none. */
  body: T;
}

/** What `POST /__emulator/clock` answers. */
export interface ClockAnswer {
  now: string;
  offsetMs: number;
  advancedMs: number;
  replicated: number;
}

/**
 * `/__emulator/faults` and `/__emulator/clock` over HTTP (the emulator started with `faults: true`).
 * `send` answers whatever the emulator answers; the named helpers expect success and throw otherwise.
 */
export class EmulatorControls {
  constructor(private readonly baseUrl: string) {}

  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<AdminAnswer<T>> {
    const res = await sendRaw(this.baseUrl, {
      method,
      path,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (res.text === '' ? {} : JSON.parse(res.text)) as T };
  }

  private async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send<T>(method, path, body);
    if (res.status !== status) {
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** Adds a fault (`POST /__emulator/faults`); returns its id. */
  async addFault(spec: object): Promise<string> {
    return (await this.expect<{ id: string }>(201, 'POST', '/__emulator/faults', spec)).id;
  }

  pauseReplication(bucket: string, ruleId: string): Promise<string> {
    return this.addFault({ replication: { bucket, ruleId, mode: 'pause' } });
  }

  slowReplication(bucket: string, ruleId: string, factor?: number): Promise<string> {
    return this.addFault({ replication: { bucket, ruleId, mode: 'slow', ...(factor ? { factor } : {}) } });
  }

  async faults(): Promise<Array<Record<string, unknown>>> {
    return (await this.expect<{ faults: Array<Record<string, unknown>> }>(200, 'GET', '/__emulator/faults'))
      .faults;
  }

  async removeFault(id: string): Promise<void> {
    await this.expect(204, 'DELETE', `/__emulator/faults/${encodeURIComponent(id)}`);
  }

  /** The emulator's time (`GET /__emulator/clock`). */
  async now(): Promise<Date> {
    return new Date((await this.expect<{ now: string }>(200, 'GET', '/__emulator/clock')).now);
  }

  advanceClock(ms: number): Promise<ClockAnswer> {
    return this.expect<ClockAnswer>(200, 'POST', '/__emulator/clock', { advanceMs: ms });
  }

  setClock(to: Date | string): Promise<ClockAnswer> {
    return this.expect<ClockAnswer>(200, 'POST', '/__emulator/clock', {
      set: typeof to === 'string' ? to : to.toISOString(),
    });
  }
}

/** Awaits `promise`, which must reject with an `OssServiceError`, and returns it. */
export async function serviceError(promise: Promise<unknown>): Promise<OssServiceError> {
  const outcome = await promise.then(
    () => new Error('expected an OssServiceError, but the call succeeded'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof OssServiceError)) {
    throw new Error(`expected an OssServiceError, got ${String(outcome)}`, { cause: outcome });
  }
  return outcome;
}

/** Awaits `promise`, which must reject with an `OssClientError` of `code`, and returns it. */
export async function clientError(
  promise: Promise<unknown>,
  code: OssClientErrorCode,
): Promise<OssClientError> {
  const outcome = await promise.then(
    () => new Error('expected an OssClientError, but the call succeeded'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof OssClientError) || outcome.code !== code) {
    throw new Error(`expected OssClientError ${code}, got ${String(outcome)}`, { cause: outcome });
  }
  return outcome;
}
