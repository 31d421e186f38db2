import {
  compareStrings,
  deleteHeader,
  formatHttpDate,
  getHeader,
  hmacSha1Base64,
  setHeader,
} from './encoding.js';
import type { QueryPair, SignableRequest, SignOptions } from './types.js';

/**
 * Query keys that V1 signs when present ("sub-resources"): the documented list plus the later
 * additions of the official SDKs. Any `x-oss-`-prefixed key is signed as well; everything else
 * (e.g. `rule-id`) is not.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'cname',
  'bucketInfo',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'symlink',
  'x-oss-process',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'udf',
  'udfName',
  'udfImage',
  'udfId',
  'udfImageDesc',
  'udfApplication',
  'udfApplicationLog',
  'restore',
  'callback',
  'callback-var',
  'qosInfo',
  'policy',
  'stat',
  'encryption',
  'versions',
  'versioning',
  'versionId',
  'requestPayment',
  'x-oss-request-payer',
  'x-oss-traffic-limit',
  'sequential',
  'inventory',
  'inventoryId',
  'continuation-token',
  'asyncFetch',
  'worm',
  'wormId',
  'wormExtend',
  'rtc',
  'resourceGroup',
  'transferAcceleration',
  'regionList',
]);

/** Whether a query key enters the V1 canonical resource. */
export function isV1SignedQueryKey(key: string, extraSubResources: Iterable<string> = []): boolean {
  if (V1_SUB_RESOURCES.has(key) || key.startsWith('x-oss-')) {
    return true;
  }
  for (const extra of extraSubResources) {
    if (extra === key) {
      return true;
    }
  }
  return false;
}

/** `x-oss-*` headers, lower-cased, trimmed, sorted, `name:value\n` each. */
export function canonicalizedOssHeaders(headers: Record<string, string>): string {
  const oss = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key.startsWith('x-oss-')) {
      const trimmed = String(value).trim();
      const prev = oss.get(key);
      oss.set(key, prev === undefined ? trimmed : `${prev},${trimmed}`);
    }
  }
  let out = '';
  for (const key of [...oss.keys()].sort(compareStrings)) {
    out += `${key}:${oss.get(key)}\n`;
  }
  return out;
}

/** `/bucket/key` (not encoded) plus `?` and the signed sub-resources sorted by key (decoded values). */
export function canonicalizedResourceV1(
  bucket: string | undefined,
  key: string | undefined,
  query: readonly QueryPair[],
  extraSubResources: readonly string[] = [],
): string {
  let resource = bucket ? `/${bucket}/${key ?? ''}` : `/${key ?? ''}`;
  const signed = query.filter(([k]) => isV1SignedQueryKey(k, extraSubResources));
  if (signed.length > 0) {
    signed.sort((a, b) => compareStrings(a[0], b[0]));
    resource += '?' + signed.map(([k, v]) => (v ? `${k}=${v}` : k)).join('&');
  }
  return resource;
}

/**
 * `VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedOSSHeaders + CanonicalizedResource`.
 * The date line is `dateLine` when given (presign: the Expires value), else the `x-oss-date`
 * header when present, else `Date`.
 */
export function stringToSignV1(
  method: string,
  headers: Record<string, string>,
  canonicalizedResource: string,
  dateLine?: string,
): string {
  const date = dateLine ?? getHeader(headers, 'x-oss-date') ?? getHeader(headers, 'date') ?? '';
  return (
    `${method.toUpperCase()}\n` +
    `${(getHeader(headers, 'content-md5') ?? '').trim()}\n` +
    `${(getHeader(headers, 'content-type') ?? '').trim()}\n` +
    `${date.trim()}\n` +
    canonicalizedOssHeaders(headers) +
    canonicalizedResource
  );
}

/** base64 HMAC-SHA1 of the string to sign. */
export function signatureV1(secret: string, stringToSign: string): string {
  return hmacSha1Base64(secret, stringToSign);
}

export interface V1SignResult {
  authorization: string;
  stringToSign: string;
  signature: string;
}

/** Signs `req` in place with `Authorization: OSS <ak>:<signature>` (sets `Date` and, for STS, `x-oss-security-token`). */
export function signV1Header(req: SignableRequest, opts: SignOptions): V1SignResult {
  const { credentials } = opts;
  deleteHeader(req.headers, 'authorization');
  setHeader(req.headers, 'Date', formatHttpDate(opts.now));
  if (credentials.securityToken) {
    setHeader(req.headers, 'x-oss-security-token', credentials.securityToken);
  } else {
    deleteHeader(req.headers, 'x-oss-security-token');
  }
  const resource = canonicalizedResourceV1(req.bucket, req.key, req.query, opts.subResources);
  const stringToSign = stringToSignV1(req.method, req.headers, resource);
  const signature = signatureV1(credentials.accessKeySecret, stringToSign);
  const authorization = `OSS ${credentials.accessKeyId}:${signature}`;
  req.headers['Authorization'] = authorization;
  return { authorization, stringToSign, signature };
}

const V1_PRESIGN_QUERY_KEYS = new Set(['OSSAccessKeyId', 'Expires', 'Signature', 'security-token']);

/**
 * Presigns `req` by appending `OSSAccessKeyId`, `Expires` (unix seconds, also the date line) and
 * `Signature` to the query; with STS `security-token` is added first (and signed).
 */
export function presignV1(
  req: SignableRequest,
  opts: SignOptions & { expiresAt: number },
): { signature: string; stringToSign: string } {
  const { credentials } = opts;
  const expires = String(Math.trunc(opts.expiresAt));
  req.query = req.query.filter(([k]) => !V1_PRESIGN_QUERY_KEYS.has(k));
  if (credentials.securityToken) {
    req.query.push(['security-token', credentials.securityToken]);
  }
  const resource = canonicalizedResourceV1(req.bucket, req.key, req.query, opts.subResources);
  const stringToSign = stringToSignV1(req.method, req.headers, resource, expires);
  const signature = signatureV1(credentials.accessKeySecret, stringToSign);
  req.query.push(['OSSAccessKeyId', credentials.accessKeyId], ['Expires', expires], ['Signature', signature]);
  return { signature, stringToSign };
}

/** Parses `OSS <accessKeyId>:<signature>`; `undefined` when malformed. */
export function parseAuthorizationV1(header: string): { accessKeyId: string; signature: string } | undefined {
  const match = /^OSS ([^:\s]+):(\S+)$/.exec(header);
  if (!match) {
    return undefined;
  }
  return { accessKeyId: match[1], signature: match[2] };
}
