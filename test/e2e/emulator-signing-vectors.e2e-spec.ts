import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import type { EmulatorAccessKey } from '../../src/emulator/options.js';
import { encodeQuery, sendRaw, xmlValue, type RawRequest } from '../utils/emulator-client.js';

interface Vector {
  id: string;
  version: 'v1' | 'v4';
  mode: 'header' | 'query';
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | null;
  method: string;
  host: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string>;
  body?: string | null;
  signerAddedHeaders?: Record<string, string>;
  expected: {
    authorization?: string;
    signature: string;
    signedQueryParams?: Array<[string, string]>;
    signedUrl?: string;
  };
}

const file = fileURLToPath(new URL('../fixtures/reference/signing-vectors.json', import.meta.url));
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;

const AUTH_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'RequestTimeTooSkewed',
  'InvalidSecurityToken',
  'AccessKeyIdAndSecurityTokenNotMatch',
]);

function toRequest(v: Vector): RawRequest {
  const headers: Record<string, string> = { ...v.headers, ...(v.signerAddedHeaders ?? {}), Host: v.host };
  let path = v.path;
  if (v.mode === 'header') {
    headers['Authorization'] = v.expected.authorization!;
    path += v.rawQuery ? `?${v.rawQuery}` : '';
  } else if (v.version === 'v4') {
    path += `?${encodeQuery([...v.expected.signedQueryParams!, ['x-oss-signature', v.expected.signature]])}`;
  } else {
    const signed = new URL(v.expected.signedUrl!);
    path = signed.pathname + signed.search;
  }
  const req: RawRequest = { method: v.method, path, headers };
  if (v.body) {
    req.body = v.body;
  }
  return req;
}

/** Changes exactly one byte of a signed part of the request. */
function tamper(v: Vector, req: RawRequest): RawRequest[] {
  const bumpLastDigit = (s: string): string =>
    s.replace(/(\d)(\D*)$/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`);
  const out: RawRequest[] = [];
  if (v.mode === 'header') {
    out.push({
      ...req,
      headers: {
        ...req.headers,
        Authorization: v.expected.authorization!.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      },
    });
    const dateHeader =
      v.version === 'v4' ? 'x-oss-date' : req.headers['x-oss-date'] !== undefined ? 'x-oss-date' : 'Date';
    out.push({ ...req, headers: { ...req.headers, [dateHeader]: bumpLastDigit(req.headers[dateHeader]) } });
  } else {
    const key = v.version === 'v4' ? 'x-oss-expires=' : 'Expires=';
    out.push({
      ...req,
      path: req.path.replace(new RegExp(`${key}(\\d+)`), (_, n: string) => `${key}${bumpLastDigit(n)}`),
    });
    out.push({
      ...req,
      path: req.path.replace(
        /([?&](?:x-oss-signature|Signature)=)(.)/,
        (_, k: string, c: string) => `${k}${c === 'a' ? 'b' : 'a'}`,
      ),
    });
  }
  return out;
}

describe('emulator signature verification against the published signing vectors', () => {
  let emu: Emulator;

  beforeAll(async () => {
    const keys = new Map<string, EmulatorAccessKey>();
    for (const v of vectors) {
      const key: EmulatorAccessKey = { accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret };
      if (v.securityToken) {
        key.securityToken = v.securityToken;
      }
      keys.set(`${v.accessKeyId}/${v.securityToken ?? ''}`, key);
    }
    emu = await startEmulator({
      clockSkewSeconds: 'off',
      accessKeys: [...keys.values()],
      replication: { tickMs: 0 },
    });
    emu.admin.createBucket('bucket', 'cn-hangzhou');
    emu.admin.createBucket('examplebucket', 'cn-hangzhou');
    emu.admin.createBucket('oss-example', 'cn-hangzhou');
    emu.admin.createBucket('destbucket', 'cn-beijing');
  });

  afterAll(async () => {
    await emu.close();
  });

  it('covers every vector in the reference file', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(30);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('replays %s and verifies it', async (_id, v) => {
    const res = await sendRaw(emu.url, toRequest(v));
    const errorCode = res.status >= 300 ? xmlValue(res.text, 'Code') : undefined;
    expect({
      status: res.status,
      code: errorCode,
      authError: errorCode !== undefined && AUTH_ERRORS.has(errorCode),
    }).toMatchObject({
      authError: false,
    });
    expect(res.headers['x-oss-request-id']).toBeDefined();
  });

  it.each(vectors.map((v) => [v.id, v] as const))(
    'answers SignatureDoesNotMatch when one byte of %s changes',
    async (_id, v) => {
      for (const changed of tamper(v, toRequest(v))) {
        const res = await sendRaw(emu.url, changed);
        expect({ path: changed.path, code: xmlValue(res.text, 'Code') }).toEqual({
          path: changed.path,
          code: 'SignatureDoesNotMatch',
        });
        expect(res.status).toBe(403);
      }
    },
  );
});
