import { toRegionId } from '../region.js';
import {
  compareStrings,
  deleteHeader,
  formatHttpDate,
  formatIso8601Basic,
  getHeader,
  hmacSha256,
  setHeader,
  sha256Hex,
  uriEncode,
} from './encoding.js';
import type { QueryPair, SignableRequest, SignOptions } from './types.js';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const V4_TERMINATOR = 'aliyun_v4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const DEFAULT_PRODUCT = 'oss';

/** Query keys a V4 presigner adds (and removes again when re-presigning). */
const PRESIGN_QUERY_KEYS = new Set([
  'x-oss-signature-version',
  'x-oss-date',
  'x-oss-expires',
  'x-oss-credential',
  'x-oss-security-token',
  'x-oss-additional-headers',
  'x-oss-signature',
]);

/** `/bucket/key`, RFC 3986-encoded with `/` kept; `/bucket/` for bucket-level, `/` for service-level. */
export function canonicalUri(bucket?: string, key?: string): string {
  let path = '/';
  if (bucket) {
    path += `${bucket}/`;
  }
  if (key) {
    path += key;
  }
  return uriEncode(path, true);
}

/** All query parameters, RFC 3986-encoded, sorted by encoded key; a bare `key` when the value is empty. */
export function canonicalQueryV4(query: readonly QueryPair[]): string {
  const encoded = query.map(([k, v]): [string, string] => [uriEncode(k), v ? uriEncode(v) : '']);
  encoded.sort((a, b) => compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]));
  return encoded.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
}

function isDefaultSignedHeader(lowerName: string): boolean {
  return lowerName === 'content-type' || lowerName === 'content-md5' || lowerName.startsWith('x-oss-');
}

/**
 * Canonical headers (`name:value\n` each, sorted) and the effective AdditionalHeaders line.
 * Signed: `content-type`, `content-md5`, every `x-oss-*`, plus requested additional headers that are
 * present in the request and are not already signed by default.
 */
export function canonicalHeadersV4(
  headers: Record<string, string>,
  additionalHeaders: readonly string[] = [],
): { canonical: string; additional: string } {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const trimmed = String(value).trim();
    const prev = lower.get(key);
    lower.set(key, prev === undefined ? trimmed : `${prev},${trimmed}`);
  }
  const additional = new Set<string>();
  for (const name of additionalHeaders) {
    const key = name.trim().toLowerCase();
    if (key && !isDefaultSignedHeader(key) && lower.has(key)) {
      additional.add(key);
    }
  }
  const signed: string[] = [];
  for (const key of lower.keys()) {
    if (isDefaultSignedHeader(key) || additional.has(key)) {
      signed.push(key);
    }
  }
  signed.sort(compareStrings);
  let canonical = '';
  for (const key of signed) {
    canonical += `${key}:${lower.get(key)}\n`;
  }
  return { canonical, additional: [...additional].sort(compareStrings).join(';') };
}

export interface CanonicalRequestV4 {
  canonicalRequest: string;
  /** The AdditionalHeaders line (`abc;zabc`, or `''`). */
  additional: string;
}

/**
 * Canonical request of a (received or to-be-sent) request:
 * `METHOD\nURI\nQUERY\nHEADERS\nADDITIONAL\nPAYLOAD`. `hashedPayload` defaults to the request's
 * `x-oss-content-sha256` header, else `UNSIGNED-PAYLOAD`.
 */
export function canonicalRequestV4(
  req: Pick<SignableRequest, 'method' | 'bucket' | 'key' | 'query' | 'headers'>,
  additionalHeaders: readonly string[] = [],
  hashedPayload?: string,
): CanonicalRequestV4 {
  const { canonical, additional } = canonicalHeadersV4(req.headers, additionalHeaders);
  const payload = hashedPayload ?? getHeader(req.headers, 'x-oss-content-sha256') ?? UNSIGNED_PAYLOAD;
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(req.bucket, req.key),
    canonicalQueryV4(req.query),
    canonical,
    additional,
    payload,
  ].join('\n');
  return { canonicalRequest, additional };
}

/** `yyyyMMdd/region/product/aliyun_v4_request`. */
export function credentialScopeV4(
  yyyymmdd: string,
  region: string,
  product: string = DEFAULT_PRODUCT,
): string {
  return `${yyyymmdd}/${region}/${product}/${V4_TERMINATOR}`;
}

export function stringToSignV4(isoDate: string, scope: string, canonicalRequest: string): string {
  return `${V4_ALGORITHM}\n${isoDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
}

const SIGNING_KEY_CACHE_SIZE = 64;
const signingKeyCache = new Map<string, Buffer>();

/**
 * HMAC chain `aliyun_v4<secret>` → date → region → product → `aliyun_v4_request`.
 * Cached per (secret, day, region, product) in a small LRU; the cache never leaves this module.
 */
export function signingKeyV4(
  secret: string,
  yyyymmdd: string,
  region: string,
  product: string = DEFAULT_PRODUCT,
): Buffer {
  const cacheKey = `${yyyymmdd}\u0000${region}\u0000${product}\u0000${secret}`;
  const hit = signingKeyCache.get(cacheKey);
  if (hit) {
    signingKeyCache.delete(cacheKey);
    signingKeyCache.set(cacheKey, hit);
    return hit;
  }
  const k1 = hmacSha256(`aliyun_v4${secret}`, yyyymmdd);
  const k2 = hmacSha256(k1, region);
  const k3 = hmacSha256(k2, product);
  const key = hmacSha256(k3, V4_TERMINATOR);
  if (signingKeyCache.size >= SIGNING_KEY_CACHE_SIZE) {
    const oldest = signingKeyCache.keys().next().value;
    if (oldest !== undefined) {
      signingKeyCache.delete(oldest);
    }
  }
  signingKeyCache.set(cacheKey, key);
  return key;
}

/** Number of cached signing keys (for tests). */
export function signingKeyCacheSize(): number {
  return signingKeyCache.size;
}

/** Lower-case hex HMAC-SHA256 of the string to sign. */
export function signatureV4(signingKey: Buffer, stringToSign: string): string {
  return hmacSha256(signingKey, stringToSign).toString('hex');
}

/** Region id as used in the V4 scope: `oss-cn-hangzhou` → `cn-hangzhou`. */
export function v4Region(region: string): string {
  return toRegionId(region);
}

export interface V4SignResult {
  authorization: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/**
 * Signs `req` in place with an `Authorization: OSS4-HMAC-SHA256 …` header (sets `x-oss-date`,
 * `x-oss-content-sha256`, `Date` and, for STS, `x-oss-security-token`).
 */
export function signV4Header(req: SignableRequest, opts: SignOptions): V4SignResult {
  const { credentials } = opts;
  const region = v4Region(opts.region);
  const product = opts.product ?? DEFAULT_PRODUCT;
  const isoDate = formatIso8601Basic(opts.now);
  const day = isoDate.slice(0, 8);

  deleteHeader(req.headers, 'authorization');
  setHeader(req.headers, 'x-oss-date', isoDate);
  if (getHeader(req.headers, 'x-oss-content-sha256') === undefined) {
    setHeader(req.headers, 'x-oss-content-sha256', UNSIGNED_PAYLOAD);
  }
  setHeader(req.headers, 'Date', formatHttpDate(opts.now));
  if (credentials.securityToken) {
    setHeader(req.headers, 'x-oss-security-token', credentials.securityToken);
  } else {
    deleteHeader(req.headers, 'x-oss-security-token');
  }

  const { canonicalRequest, additional } = canonicalRequestV4(req, opts.additionalHeaders);
  const scope = credentialScopeV4(day, region, product);
  const stringToSign = stringToSignV4(isoDate, scope, canonicalRequest);
  const signature = signatureV4(
    signingKeyV4(credentials.accessKeySecret, day, region, product),
    stringToSign,
  );
  const authorization =
    `${V4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope},` +
    (additional ? `AdditionalHeaders=${additional},` : '') +
    `Signature=${signature}`;
  req.headers['Authorization'] = authorization;
  return { authorization, canonicalRequest, stringToSign, signature };
}

export interface V4PresignResult {
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
}

/**
 * Presigns `req` by appending `x-oss-signature-version`, `x-oss-date`, `x-oss-expires`,
 * `x-oss-credential`, [`x-oss-security-token`], [`x-oss-additional-headers`] and finally
 * `x-oss-signature` to `req.query`. Headers are not modified.
 */
export function presignV4(
  req: SignableRequest,
  opts: SignOptions & { expiresSeconds: number },
): V4PresignResult {
  const { credentials } = opts;
  const region = v4Region(opts.region);
  const product = opts.product ?? DEFAULT_PRODUCT;
  const isoDate = formatIso8601Basic(opts.now);
  const day = isoDate.slice(0, 8);
  const scope = credentialScopeV4(day, region, product);

  req.query = req.query.filter(([k]) => !PRESIGN_QUERY_KEYS.has(k));
  const { additional } = canonicalHeadersV4(req.headers, opts.additionalHeaders);
  req.query.push(
    ['x-oss-signature-version', V4_ALGORITHM],
    ['x-oss-date', isoDate],
    ['x-oss-expires', String(Math.trunc(opts.expiresSeconds))],
    ['x-oss-credential', `${credentials.accessKeyId}/${scope}`],
  );
  if (credentials.securityToken) {
    req.query.push(['x-oss-security-token', credentials.securityToken]);
  }
  if (additional) {
    req.query.push(['x-oss-additional-headers', additional]);
  }
  const { canonicalRequest } = canonicalRequestV4(req, opts.additionalHeaders, UNSIGNED_PAYLOAD);
  const stringToSign = stringToSignV4(isoDate, scope, canonicalRequest);
  const signature = signatureV4(
    signingKeyV4(credentials.accessKeySecret, day, region, product),
    stringToSign,
  );
  req.query.push(['x-oss-signature', signature]);
  return { signature, canonicalRequest, stringToSign };
}

export interface ParsedAuthorizationV4 {
  accessKeyId: string;
  /** `yyyyMMdd` */
  date: string;
  region: string;
  product: string;
  scope: string;
  additionalHeaders: string[];
  signature: string;
}

/** A V4 credential `ak/yyyyMMdd/region/product/aliyun_v4_request` (header `Credential=` or `x-oss-credential`). */
export type CredentialScopeV4 = Omit<ParsedAuthorizationV4, 'additionalHeaders' | 'signature'>;

/** Parses a V4 credential; `undefined` when malformed. */
export function parseCredentialV4(credential: string): CredentialScopeV4 | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== V4_TERMINATOR || !/^\d{8}$/.test(parts[1] ?? '')) {
    return undefined;
  }
  const [accessKeyId, date, region, product] = parts as [string, string, string, string];
  if (!accessKeyId || !region || !product) {
    return undefined;
  }
  return { accessKeyId, date, region, product, scope: parts.slice(1).join('/') };
}

/**
 * Parses `OSS4-HMAC-SHA256 Credential=ak/date/region/product/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=hex`
 * (with or without spaces after commas). Returns `undefined` when malformed.
 */
export function parseAuthorizationV4(header: string): ParsedAuthorizationV4 | undefined {
  if (!header.startsWith(`${V4_ALGORITHM} `)) {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(V4_ALGORITHM.length + 1).split(',')) {
    const trimmed = part.trim();
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      return undefined;
    }
    fields.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    return undefined;
  }
  const scope = parseCredentialV4(credential);
  if (!scope) {
    return undefined;
  }
  const additionalRaw = fields.get('AdditionalHeaders');
  return {
    ...scope,
    additionalHeaders: additionalRaw ? additionalRaw.split(';').filter((h) => h !== '') : [],
    signature,
  };
}
