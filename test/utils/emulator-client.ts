import { request as httpRequest } from 'node:http';
import { uriEncode } from '../../src/oss/signer/encoding.js';
import type { OssCredentials, QueryPair, SignableRequest } from '../../src/oss/signer/types.js';
import { presignV1, signV1Header } from '../../src/oss/signer/v1.js';
import { presignV4, signV4Header } from '../../src/oss/signer/v4.js';

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
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

/** Sends bytes as given (Host header included) to the emulator at `baseUrl`. */
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

export function encodeQuery(query: readonly QueryPair[]): string {
  return query.map(([k, v]) => (v === null ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)).join('&');
}

export interface ClientRequest {
  method: string;
  bucket?: string;
  key?: string;
  query?: QueryPair[];
  headers?: Record<string, string>;
  body?: Buffer | string;
  chunked?: boolean;
}

export interface EmulatorClientOptions {
  credentials: OssCredentials;
  region?: string;
  version?: 'v1' | 'v4';
  /** `path` (default): `/bucket/key` on the emulator's IP; `virtual`: `Host: bucket.oss-<region>.aliyuncs.com`. */
  style?: 'path' | 'virtual';
  now?: () => Date;
}

/** A small signing client over the project's signer helpers, for emulator tests. */
export class EmulatorClient {
  constructor(
    readonly baseUrl: string,
    readonly options: EmulatorClientOptions,
  ) {}

  with(overrides: Partial<EmulatorClientOptions>): EmulatorClient {
    return new EmulatorClient(this.baseUrl, { ...this.options, ...overrides });
  }

  private target(req: ClientRequest): { path: string; host?: string } {
    const style = this.options.style ?? 'path';
    const keyPart = req.key ? uriEncode(req.key, true) : '';
    if (style === 'virtual' && req.bucket) {
      return {
        path: `/${keyPart}`,
        host: `${req.bucket}.oss-${this.options.region ?? 'cn-hangzhou'}.aliyuncs.com`,
      };
    }
    return { path: req.bucket ? `/${req.bucket}/${keyPart}` : '/' };
  }

  /** Builds the signed request (header signature) without sending it. */
  sign(req: ClientRequest): RawRequest {
    const signable: SignableRequest = {
      method: req.method,
      query: [...(req.query ?? [])],
      headers: { ...(req.headers ?? {}) },
    };
    if (req.bucket !== undefined) {
      signable.bucket = req.bucket;
    }
    if (req.key !== undefined) {
      signable.key = req.key;
    }
    const opts = {
      credentials: this.options.credentials,
      region: this.options.region ?? 'cn-hangzhou',
      now: (this.options.now ?? (() => new Date()))(),
    };
    if ((this.options.version ?? 'v4') === 'v4') {
      signV4Header(signable, opts);
    } else {
      signV1Header(signable, opts);
    }
    const { path, host } = this.target(req);
    const qs = encodeQuery(signable.query);
    const headers = { ...signable.headers };
    if (host) {
      headers['Host'] = host;
    }
    const raw: RawRequest = { method: req.method, path: qs ? `${path}?${qs}` : path, headers };
    if (req.body !== undefined) {
      raw.body = req.body;
    }
    if (req.chunked) {
      raw.chunked = true;
    }
    return raw;
  }

  /** A presigned path (V1 or V4 per the client's version). */
  presign(req: ClientRequest, expiresSeconds: number): RawRequest {
    const signable: SignableRequest = {
      method: req.method,
      query: [...(req.query ?? [])],
      headers: { ...(req.headers ?? {}) },
    };
    if (req.bucket !== undefined) {
      signable.bucket = req.bucket;
    }
    if (req.key !== undefined) {
      signable.key = req.key;
    }
    const now = (this.options.now ?? (() => new Date()))();
    const base = { credentials: this.options.credentials, region: this.options.region ?? 'cn-hangzhou', now };
    if ((this.options.version ?? 'v4') === 'v4') {
      presignV4(signable, { ...base, expiresSeconds });
    } else {
      presignV1(signable, { ...base, expiresAt: Math.floor(now.getTime() / 1000) + expiresSeconds });
    }
    const { path, host } = this.target(req);
    const headers = { ...signable.headers };
    if (host) {
      headers['Host'] = host;
    }
    return { method: req.method, path: `${path}?${encodeQuery(signable.query)}`, headers };
  }

  send(req: ClientRequest): Promise<RawResponse> {
    return sendRaw(this.baseUrl, this.sign(req));
  }
}

/** Text of the first `<Name>` element (enough for assertions on simple OSS XML). */
export function xmlValue(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1] : undefined;
}

export function xmlValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]);
}
