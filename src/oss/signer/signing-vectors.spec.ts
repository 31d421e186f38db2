import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getHeader } from './encoding.js';
import { V1Signer, V4Signer } from './signer.js';
import type { QueryPair, SignableRequest, SignOptions } from './types.js';
import { presignV1, signV1Header } from './v1.js';
import { presignV4, signV4Header } from './v4.js';

// The published vectors, copied into the repository (test/fixtures/reference/README.md says from where).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const vectorsPath = resolve(repoRoot, 'test/fixtures/reference/signing-vectors.json');

interface Vector {
  id: string;
  version: 'v1' | 'v4';
  mode: 'header' | 'query';
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | null;
  region?: string;
  product?: string;
  method: string;
  host: string;
  bucket: string | null;
  key: string | null;
  path: string;
  query: QueryPair[];
  headers: Record<string, string>;
  additionalHeaders?: string[];
  extraSignedSubResources?: string[];
  signTime?: { unix?: number; iso8601?: string; http: string };
  expiresAt?: { unix: number };
  signerAddedHeaders?: Record<string, string>;
  expected: {
    canonicalRequest?: string;
    stringToSign: string;
    signature: string;
    authorization?: string;
    signedQueryParams?: QueryPair[];
    query?: Record<string, string>;
    signedUrl?: string;
  };
}

const file = JSON.parse(readFileSync(vectorsPath, 'utf8')) as { count: number; vectors: Vector[] };

function requestOf(v: Vector): SignableRequest {
  return {
    method: v.method,
    bucket: v.bucket ?? undefined,
    key: v.key ?? undefined,
    query: v.query.map(([k, val]): QueryPair => [k, val]),
    headers: { ...v.headers },
  };
}

function optionsOf(v: Vector): SignOptions {
  // V1 presign vectors have no sign time: the Expires value is the only time that is signed.
  const unix = v.signTime ? (v.signTime.unix ?? Date.parse(v.signTime.http) / 1000) : v.expiresAt!.unix - 600;
  return {
    credentials: {
      accessKeyId: v.accessKeyId,
      accessKeySecret: v.accessKeySecret,
      ...(v.securityToken ? { securityToken: v.securityToken } : {}),
    },
    region: v.region ?? 'cn-hangzhou',
    product: v.product ?? 'oss',
    now: new Date(unix * 1000),
    additionalHeaders: v.additionalHeaders ?? [],
    subResources: v.extraSignedSubResources ?? [],
  };
}

function encodeQueryValue(s: string): string {
  return encodeURIComponent(s);
}

describe('signing vectors (test/fixtures/reference/signing-vectors.json)', () => {
  it('holds the 30 published vectors', () => {
    expect(file.vectors).toHaveLength(30);
    expect(file.count).toBe(30);
  });

  for (const v of file.vectors.filter((x) => x.version === 'v4' && x.mode === 'header')) {
    it(`V4 header: ${v.id} reproduces canonical request, string to sign and Authorization`, () => {
      const req = requestOf(v);
      const result = signV4Header(req, optionsOf(v));
      expect(result.canonicalRequest).toBe(v.expected.canonicalRequest);
      expect(result.stringToSign).toBe(v.expected.stringToSign);
      expect(result.signature).toBe(v.expected.signature);
      expect(result.authorization).toBe(v.expected.authorization);
      expect(getHeader(req.headers, 'authorization')).toBe(v.expected.authorization);
      for (const [name, value] of Object.entries(v.signerAddedHeaders ?? {})) {
        expect(getHeader(req.headers, name), name).toBe(value);
      }
    });

    it(`V4 header: ${v.id} through V4Signer gives the same Authorization`, () => {
      const req = requestOf(v);
      new V4Signer().sign(req, optionsOf(v));
      expect(req.headers['Authorization']).toBe(v.expected.authorization);
    });
  }

  for (const v of file.vectors.filter((x) => x.version === 'v4' && x.mode === 'query')) {
    it(`V4 presign: ${v.id} reproduces canonical request, string to sign and query`, () => {
      const req = requestOf(v);
      const opts = optionsOf(v);
      const expiresSeconds = v.expiresAt!.unix - v.signTime!.unix!;
      const result = presignV4(req, { ...opts, expiresSeconds });
      expect(result.canonicalRequest).toBe(v.expected.canonicalRequest);
      expect(result.stringToSign).toBe(v.expected.stringToSign);
      expect(result.signature).toBe(v.expected.signature);
      expect(req.query.slice(0, -1)).toEqual(v.expected.signedQueryParams);
      expect(req.query.at(-1)).toEqual(['x-oss-signature', v.expected.signature]);
      const added = Object.fromEntries(req.query.slice(v.query.length)) as Record<string, string>;
      expect(added).toEqual(v.expected.query);
      expect(getHeader(req.headers, 'x-oss-date')).toBeUndefined();
      expect(getHeader(req.headers, 'authorization')).toBeUndefined();
    });
  }

  for (const v of file.vectors.filter((x) => x.version === 'v1' && x.mode === 'header')) {
    it(`V1 header: ${v.id} reproduces string to sign and Authorization`, () => {
      const req = requestOf(v);
      const result = signV1Header(req, optionsOf(v));
      expect(result.stringToSign).toBe(v.expected.stringToSign);
      expect(result.signature).toBe(v.expected.signature);
      expect(result.authorization).toBe(v.expected.authorization);
      for (const [name, value] of Object.entries(v.signerAddedHeaders ?? {})) {
        expect(getHeader(req.headers, name), name).toBe(value);
      }
    });

    it(`V1 header: ${v.id} through V1Signer gives the same Authorization`, () => {
      const req = requestOf(v);
      new V1Signer().sign(req, optionsOf(v));
      expect(req.headers['Authorization']).toBe(v.expected.authorization);
    });
  }

  for (const v of file.vectors.filter((x) => x.version === 'v1' && x.mode === 'query')) {
    it(`V1 presign: ${v.id} reproduces string to sign and the signed URL`, () => {
      const req = requestOf(v);
      const result = presignV1(req, { ...optionsOf(v), expiresAt: v.expiresAt!.unix });
      expect(result.stringToSign).toBe(v.expected.stringToSign);
      expect(result.signature).toBe(v.expected.signature);
      const sorted = [...req.query].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const qs = sorted
        .map(([k, val]) => (val === null ? k : `${encodeQueryValue(k)}=${encodeQueryValue(val)}`))
        .join('&');
      expect(`http://${v.host}${v.path}?${qs}`).toBe(v.expected.signedUrl);
    });
  }
});
