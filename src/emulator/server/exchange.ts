import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatHttpDate } from '../../oss/signer/encoding.js';
import { errorXml, type OssError, ossError } from '../errors.js';
import type { OperationResult } from '../operations/operation-context.js';

/** Largest request body the emulator accepts (objects are kept in memory). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** One request and what every answer to it carries (request id, start time, method, host). */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startedAt: number;
  readonly requestId: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  /** The Host header made printable, for `<HostId>` in error bodies. */
  readonly hostId: string;
}

function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

function sanitizeHost(host: string | undefined): string {
  return (host ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, 255);
}

export function openExchange(req: IncomingMessage, res: ServerResponse): Exchange {
  const url = req.url ?? '/';
  const qIndex = url.indexOf('?');
  return {
    req,
    res,
    startedAt: performance.now(),
    requestId: newRequestId(),
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: qIndex < 0 ? url : url.slice(0, qIndex),
    rawQuery: qIndex < 0 ? '' : url.slice(qIndex + 1),
    hostId: sanitizeHost(req.headers.host),
  };
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return out;
}

export class BodyTooLarge extends Error {}

/** Reads the whole body; rejects with BodyTooLarge beyond MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function checkContentMd5(headers: Record<string, string>, body: Buffer): void {
  const provided = headers['content-md5'];
  if (provided === undefined) {
    return;
  }
  const expected = createHash('md5').update(body).digest('base64');
  if (provided.trim() !== expected) {
    throw ossError('InvalidDigest', { 'Content-MD5': provided.trim() });
  }
}

/** Writes `result` with OSS's common headers (`server`, `date`, `x-oss-request-id`, `x-oss-server-time`). */
export function send(exchange: Exchange, clock: () => Date, result: OperationResult): void {
  const { res, method } = exchange;
  const headers: Record<string, string> = {
    server: 'AliyunOSS',
    date: formatHttpDate(clock()),
    'x-oss-request-id': exchange.requestId,
    'x-oss-server-time': String(Math.max(0, Math.round(performance.now() - exchange.startedAt))),
    ...result.headers,
  };
  const body =
    result.body === undefined
      ? undefined
      : typeof result.body === 'string'
        ? Buffer.from(result.body)
        : result.body;
  if (headers['content-length'] === undefined) {
    headers['content-length'] = String(method === 'HEAD' ? 0 : (body?.length ?? 0));
  }
  res.writeHead(result.status, headers);
  if (body !== undefined && method !== 'HEAD' && result.status !== 204) {
    res.end(body);
  } else {
    res.end();
  }
}

/** OSS's error answer: `<Error>` XML, `x-oss-ec`, and for HEAD (no body) the XML in `x-oss-err`. */
export function errorResult(err: OssError, exchange: Exchange): OperationResult {
  const body = errorXml(err, exchange.requestId, exchange.hostId);
  const headers: Record<string, string> = { 'content-type': 'application/xml', 'x-oss-ec': err.ec };
  if (exchange.method === 'HEAD') {
    headers['x-oss-err'] = Buffer.from(body).toString('base64');
  }
  return { status: err.status, headers, body };
}
