import { createHash, timingSafeEqual } from 'node:crypto';
import { formatHttpDate } from '../../oss/signer/encoding.js';
import type { QueryPair } from '../../oss/signer/types.js';
import {
  canonicalizedResourceV1,
  parseAuthorizationV1,
  signatureV1,
  stringToSignV1,
} from '../../oss/signer/v1.js';
import {
  canonicalRequestV4,
  parseAuthorizationV4,
  parseCredentialV4,
  type ParsedAuthorizationV4,
  signatureV4,
  signingKeyV4,
  stringToSignV4,
  UNSIGNED_PAYLOAD,
  V4_ALGORITHM,
} from '../../oss/signer/v4.js';
import { OssError, ossError } from '../errors.js';
import type { KeyRing } from './key-ring.js';

/**
 * Verifies OSS request signatures with the same canonicalisation helpers the client signer uses
 * (`src/oss/signer`). Header and presigned-query forms of V1 and V4; STS tokens; clock skew and
 * presign expiry (both skipped when the skew check is off).
 */

/** A received request, as the verifier sees it: bucket/key resolved from host or path, query decoded in wire order. */
export interface ReceivedRequest {
  method: string;
  bucket?: string;
  key?: string;
  query: QueryPair[];
  /** Header names lower-case (as node:http gives them). */
  headers: Record<string, string>;
}

export interface VerifyOptions {
  keys: KeyRing;
  now: Date;
  /** Seconds, or `off` to accept any request time and expired presigned URLs. */
  clockSkewSeconds: number | 'off';
}

export interface AuthenticatedCaller {
  accessKeyId: string;
  securityToken?: string;
  signatureVersion: 'v1' | 'v4';
  /** V4 only: the region of the credential scope. */
  scopeRegion?: string;
}

const V4_PRODUCTS = new Set(['oss', 'oss-cloudbox']);
const V1_PRESIGN_KEYS = new Set(['OSSAccessKeyId', 'Expires', 'Signature']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison (on digests, so the lengths leak nothing either). */
export function signaturesEqual(expected: string, provided: string): boolean {
  return timingSafeEqual(digest(expected), digest(provided));
}

function queryValue(query: readonly QueryPair[], key: string): string | undefined {
  const pair = query.find(([k]) => k === key);
  return pair ? (pair[1] ?? '') : undefined;
}

function stringToSignBytes(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function parseIsoBasic(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function checkSkew(requestTime: Date, opts: VerifyOptions): void {
  if (opts.clockSkewSeconds === 'off') {
    return;
  }
  const skewMs = Math.abs(opts.now.getTime() - requestTime.getTime());
  if (skewMs > opts.clockSkewSeconds * 1000) {
    throw ossError('RequestTimeTooSkewed', {
      RequestTime: formatHttpDate(requestTime),
      ServerTime: formatHttpDate(opts.now),
      MaxAllowedSkewMilliseconds: String(opts.clockSkewSeconds * 1000),
    });
  }
}

function checkExpiry(expiresAtMs: number, opts: VerifyOptions): void {
  if (opts.clockSkewSeconds === 'off') {
    return;
  }
  if (opts.now.getTime() > expiresAtMs) {
    throw ossError(
      'AccessDenied',
      { Expires: formatHttpDate(new Date(expiresAtMs)), ServerTime: formatHttpDate(opts.now) },
      'Request has expired.',
    );
  }
}

function invalidAuthorization(): never {
  throw ossError('InvalidArgument', {}, 'Authorization header is invalid.');
}

function verifyV1(
  req: ReceivedRequest,
  opts: VerifyOptions,
  accessKeyId: string,
  provided: string,
  token: string | undefined,
  presignExpires?: string,
): AuthenticatedCaller {
  const key = opts.keys.resolve(accessKeyId, token);
  let dateLine: string | undefined;
  let query = req.query;
  if (presignExpires !== undefined) {
    if (!/^\d{1,12}$/.test(presignExpires)) {
      throw ossError('InvalidArgument', {}, 'Expires must be a unix timestamp in seconds.');
    }
    checkExpiry(Number(presignExpires) * 1000, opts);
    dateLine = presignExpires;
    query = query.filter(([k]) => !V1_PRESIGN_KEYS.has(k));
  } else {
    const date = req.headers['x-oss-date'] ?? req.headers['date'];
    const parsed = date === undefined ? Number.NaN : Date.parse(date);
    if (Number.isNaN(parsed)) {
      throw ossError('AccessDenied', {}, 'OSS authentication requires a valid Date.');
    }
    checkSkew(new Date(parsed), opts);
  }
  const resource = canonicalizedResourceV1(req.bucket, req.key, query);
  const stringToSign = stringToSignV1(req.method, req.headers, resource, dateLine);
  const expected = signatureV1(key.accessKeySecret, stringToSign);
  if (!signaturesEqual(expected, provided)) {
    throw ossError('SignatureDoesNotMatch', {
      StringToSign: stringToSign,
      SignatureProvided: provided,
      StringToSignBytes: stringToSignBytes(stringToSign),
      OSSAccessKeyId: accessKeyId,
    });
  }
  return token
    ? { accessKeyId, securityToken: token, signatureVersion: 'v1' }
    : { accessKeyId, signatureVersion: 'v1' };
}

function verifyV4(
  req: ReceivedRequest,
  opts: VerifyOptions,
  parts: ParsedAuthorizationV4,
  isoDate: string | undefined,
  token: string | undefined,
  presign: { expires: string } | undefined,
): AuthenticatedCaller {
  if (!V4_PRODUCTS.has(parts.product)) {
    throw ossError('InvalidArgument', {}, `Invalid product "${parts.product}" in the credential scope.`);
  }
  const key = opts.keys.resolve(parts.accessKeyId, token);
  if (isoDate === undefined) {
    throw ossError('AccessDenied', {}, 'OSS V4 authentication requires x-oss-date.');
  }
  const requestTime = parseIsoBasic(isoDate);
  if (!requestTime) {
    throw ossError('AccessDenied', {}, 'OSS V4 authentication requires a valid x-oss-date.');
  }
  if (isoDate.slice(0, 8) !== parts.date) {
    throw ossError('InvalidArgument', {}, 'The date in the credential scope does not match x-oss-date.');
  }
  let query = req.query;
  let payload: string;
  if (presign) {
    if (
      !/^\d{1,6}$/.test(presign.expires) ||
      Number(presign.expires) < 1 ||
      Number(presign.expires) > 604800
    ) {
      throw ossError('InvalidArgument', {}, 'x-oss-expires must be between 1 and 604800 seconds.');
    }
    checkExpiry(requestTime.getTime() + Number(presign.expires) * 1000, opts);
    query = query.filter(([k]) => k !== 'x-oss-signature');
    payload = UNSIGNED_PAYLOAD;
  } else {
    const sha = req.headers['x-oss-content-sha256'];
    if (sha !== UNSIGNED_PAYLOAD) {
      throw new OssError(
        'InvalidArgument',
        'x-oss-content-sha256 must be UNSIGNED-PAYLOAD.',
        { Header: 'x-oss-content-sha256' },
        400,
        '0002-00000214',
      );
    }
    checkSkew(requestTime, opts);
    payload = sha;
  }
  const { canonicalRequest } = canonicalRequestV4(
    { method: req.method, bucket: req.bucket, key: req.key, query, headers: req.headers },
    parts.additionalHeaders,
    payload,
  );
  const stringToSign = stringToSignV4(isoDate, parts.scope, canonicalRequest);
  const expected = signatureV4(
    signingKeyV4(key.accessKeySecret, parts.date, parts.region, parts.product),
    stringToSign,
  );
  if (!signaturesEqual(expected, parts.signature)) {
    throw ossError('SignatureDoesNotMatch', {
      CanonicalRequest: canonicalRequest,
      StringToSign: stringToSign,
      SignatureProvided: parts.signature,
      OSSAccessKeyId: parts.accessKeyId,
    });
  }
  const caller: AuthenticatedCaller = {
    accessKeyId: parts.accessKeyId,
    signatureVersion: 'v4',
    scopeRegion: parts.region,
  };
  if (token) {
    caller.securityToken = token;
  }
  return caller;
}

/** Whether the request carries any credentials (header or presigned query). */
export function hasCredentials(req: ReceivedRequest): boolean {
  return (
    req.headers['authorization'] !== undefined ||
    queryValue(req.query, 'x-oss-signature') !== undefined ||
    queryValue(req.query, 'x-oss-signature-version') !== undefined ||
    queryValue(req.query, 'Signature') !== undefined ||
    queryValue(req.query, 'OSSAccessKeyId') !== undefined
  );
}

/**
 * Authenticates a request or throws the OssError OSS would answer (AccessDenied for anonymous
 * calls, InvalidArgument, InvalidAccessKeyId, InvalidSecurityToken, RequestTimeTooSkewed,
 * SignatureDoesNotMatch with StringToSign / CanonicalRequest).
 */
export function verifyRequest(req: ReceivedRequest, opts: VerifyOptions): AuthenticatedCaller {
  const authorization = req.headers['authorization'];
  if (authorization !== undefined) {
    if (authorization.startsWith(`${V4_ALGORITHM} `)) {
      const parsed = parseAuthorizationV4(authorization);
      if (!parsed) {
        invalidAuthorization();
      }
      return verifyV4(
        req,
        opts,
        parsed,
        req.headers['x-oss-date'],
        req.headers['x-oss-security-token'],
        undefined,
      );
    }
    if (authorization.startsWith('OSS ')) {
      const parsed = parseAuthorizationV1(authorization);
      if (!parsed) {
        invalidAuthorization();
      }
      return verifyV1(req, opts, parsed.accessKeyId, parsed.signature, req.headers['x-oss-security-token']);
    }
    invalidAuthorization();
  }
  const version = queryValue(req.query, 'x-oss-signature-version');
  if (version !== undefined) {
    if (version !== V4_ALGORITHM) {
      throw ossError('InvalidArgument', {}, 'Unsupported x-oss-signature-version.');
    }
    const credential = parseCredentialV4(queryValue(req.query, 'x-oss-credential') ?? '');
    const signature = queryValue(req.query, 'x-oss-signature') ?? '';
    const expires = queryValue(req.query, 'x-oss-expires');
    if (!credential || !/^[0-9a-f]{64}$/.test(signature) || expires === undefined) {
      throw ossError('InvalidArgument', {}, 'The presigned V4 query is incomplete or malformed.');
    }
    const additional = queryValue(req.query, 'x-oss-additional-headers');
    return verifyV4(
      req,
      opts,
      {
        ...credential,
        signature,
        additionalHeaders: additional ? additional.split(';').filter(Boolean) : [],
      },
      queryValue(req.query, 'x-oss-date'),
      queryValue(req.query, 'x-oss-security-token'),
      { expires },
    );
  }
  const ak = queryValue(req.query, 'OSSAccessKeyId');
  const signature = queryValue(req.query, 'Signature');
  const expires = queryValue(req.query, 'Expires');
  if (ak !== undefined || signature !== undefined) {
    if (!ak || !signature || expires === undefined) {
      throw ossError(
        'AccessDenied',
        {},
        'The presigned URL must carry OSSAccessKeyId, Expires and Signature.',
      );
    }
    return verifyV1(req, opts, ak, signature, queryValue(req.query, 'security-token'), expires);
  }
  throw ossError('AccessDenied', {}, 'Anonymous access is forbidden for this operation.');
}
