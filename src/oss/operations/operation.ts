import { hash } from 'node:crypto';
import type { QueryPair } from '../signer/types.js';

/** A transport-independent description of one OSS call, before signing. */
export interface HttpRequestSpec {
  method: string;
  bucket?: string;
  key?: string;
  /** Decoded, in wire order. */
  query: QueryPair[];
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Sign for this region instead of the client's default. */
  region?: string;
}

/** What the transport returns: lower-case header names. */
export interface OssHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One OSS API operation: pure request builder + pure response reader. */
export interface OssOperation<I, O> {
  readonly name: string;
  serialize(input: I): HttpRequestSpec;
  /** `input` is what `serialize` was given (e.g. to echo a generated id). */
  deserialize(response: OssHttpResponse, input: I): O;
}

/** base64 MD5, as `Content-MD5`. */
export function contentMd5(body: string | Buffer): string {
  return hash('md5', body, 'base64');
}

/** `Content-Type: application/xml` + `Content-MD5` for an XML request body. */
export function xmlBodyHeaders(body: string): Record<string, string> {
  return { 'Content-Type': 'application/xml', 'Content-MD5': contentMd5(body) };
}

export function requestIdOf(response: Pick<OssHttpResponse, 'headers'>): string {
  return response.headers['x-oss-request-id'] ?? '';
}
