import { describe, expect, it } from 'vitest';
import type { SignableRequest } from './types.js';
import {
  canonicalHeadersV4,
  canonicalQueryV4,
  canonicalRequestV4,
  canonicalUri,
  credentialScopeV4,
  parseAuthorizationV4,
  signatureV4,
  signingKeyCacheSize,
  signingKeyV4,
  signV4Header,
  stringToSignV4,
} from './v4.js';

const credentials = {
  accessKeyId: 'LTAI5tExampleAccessKeyId',
  accessKeySecret: 'ExampleAccessKeySecret0123456789abcd',
};
const now = new Date(Date.UTC(2025, 3, 17, 15, 39, 12));

function request(overrides: Partial<SignableRequest> = {}): SignableRequest {
  return {
    method: 'GET',
    bucket: 'examplebucket',
    query: [['replication', null]],
    headers: {},
    ...overrides,
  };
}

describe('canonicalUri', () => {
  it('builds /bucket/ for bucket-level operations and / without a bucket', () => {
    expect(canonicalUri('examplebucket')).toBe('/examplebucket/');
    expect(canonicalUri()).toBe('/');
  });

  it('percent-encodes reserved characters of the key but keeps slashes', () => {
    expect(canonicalUri('b', 'a b/c+d/é!*(')).toBe('/b/a%20b/c%2Bd/%C3%A9%21%2A%28');
  });
});

describe('canonicalQueryV4', () => {
  it('treats a bare key and key= the same', () => {
    expect(
      canonicalQueryV4([
        ['replication', null],
        ['comp', 'add'],
      ]),
    ).toBe('comp=add&replication');
    expect(
      canonicalQueryV4([
        ['comp', 'add'],
        ['replication', ''],
      ]),
    ).toBe('comp=add&replication');
  });

  it('sorts by encoded key regardless of wire order', () => {
    expect(
      canonicalQueryV4([
        ['rule-id', 'a/b'],
        ['replicationProgress', null],
      ]),
    ).toBe('replicationProgress&rule-id=a%2Fb');
  });
});

describe('canonicalHeadersV4', () => {
  it('signs content-type, content-md5 and x-oss-* by default, not host or date', () => {
    const out = canonicalHeadersV4({
      Host: 'b.oss-cn-hangzhou.aliyuncs.com',
      Date: 'x',
      'Content-MD5': ' abc ',
      'Content-Type': 'application/xml',
      'X-Oss-Date': '20250417T153912Z',
    });
    expect(out.canonical).toBe(
      'content-md5:abc\ncontent-type:application/xml\nx-oss-date:20250417T153912Z\n',
    );
    expect(out.additional).toBe('');
  });

  it('adds requested additional headers that are present, lower-cased and de-duplicated', () => {
    const out = canonicalHeadersV4({ Host: 'h', 'X-Custom': 'v' }, ['host', 'HOST', 'x-custom', 'missing']);
    expect(out.additional).toBe('host;x-custom');
    expect(out.canonical).toBe('host:h\nx-custom:v\n');
  });
});

describe('signingKeyV4', () => {
  it('derives the same key as the HMAC chain and caches it within a bound', () => {
    const a = signingKeyV4('secret', '20250417', 'cn-hangzhou', 'oss');
    const b = signingKeyV4('secret', '20250417', 'cn-hangzhou', 'oss');
    expect(a).toBe(b);
    const other = signingKeyV4('secret', '20250418', 'cn-hangzhou', 'oss');
    expect(other.equals(a)).toBe(false);
    for (let i = 0; i < 200; i++) {
      signingKeyV4('secret', `2025${String(i).padStart(4, '0')}`, 'cn-hangzhou', 'oss');
    }
    expect(signingKeyCacheSize()).toBeLessThanOrEqual(64);
    expect(signingKeyV4('secret', '20250417', 'cn-hangzhou', 'oss').equals(a)).toBe(true);
  });
});

describe('signV4Header', () => {
  it('strips an oss- prefix from the region in the scope', () => {
    const req = request();
    const { authorization } = signV4Header(req, { credentials, region: 'oss-cn-hangzhou', now });
    expect(authorization).toContain('/20250417/cn-hangzhou/oss/aliyun_v4_request,');
  });

  it('produces a fresh signature when re-signed later and drops a stale security token', () => {
    const req = request();
    signV4Header(req, { credentials: { ...credentials, securityToken: 'tok' }, region: 'cn-hangzhou', now });
    expect(req.headers['x-oss-security-token']).toBe('tok');
    const first = req.headers['Authorization'];
    const later = new Date(now.getTime() + 1000);
    signV4Header(req, { credentials, region: 'cn-hangzhou', now: later });
    expect(req.headers['x-oss-security-token']).toBeUndefined();
    expect(req.headers['x-oss-date']).toBe('20250417T153913Z');
    expect(req.headers['Authorization']).not.toBe(first);
    expect(Object.keys(req.headers).filter((h) => h.toLowerCase() === 'authorization')).toHaveLength(1);
  });

  it('can be verified from the received request with the pure helpers', () => {
    const req = request({
      method: 'POST',
      query: [
        ['comp', 'add'],
        ['replication', ''],
      ],
    });
    req.headers['Content-Type'] = 'application/xml';
    signV4Header(req, { credentials, region: 'cn-hangzhou', now, additionalHeaders: ['content-length'] });
    const parsed = parseAuthorizationV4(req.headers['Authorization'])!;
    expect(parsed.accessKeyId).toBe(credentials.accessKeyId);
    // Received headers arrive lower-cased; the query may arrive re-ordered.
    const received = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const { canonicalRequest } = canonicalRequestV4(
      {
        method: 'POST',
        bucket: 'examplebucket',
        query: [
          ['replication', null],
          ['comp', 'add'],
        ],
        headers: received,
      },
      parsed.additionalHeaders,
    );
    const sts = stringToSignV4(received['x-oss-date'], parsed.scope, canonicalRequest);
    const key = signingKeyV4(credentials.accessKeySecret, parsed.date, parsed.region, parsed.product);
    expect(signatureV4(key, sts)).toBe(parsed.signature);
    expect(parsed.scope).toBe(credentialScopeV4('20250417', 'cn-hangzhou'));
  });
});

describe('parseAuthorizationV4', () => {
  it('accepts spaces after commas and AdditionalHeaders', () => {
    const sig = 'a'.repeat(64);
    const parsed = parseAuthorizationV4(
      `OSS4-HMAC-SHA256 Credential=ak/20250417/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=host;x-a, Signature=${sig}`,
    );
    expect(parsed).toMatchObject({
      accessKeyId: 'ak',
      region: 'cn-hangzhou',
      additionalHeaders: ['host', 'x-a'],
    });
  });

  it('rejects malformed headers', () => {
    expect(parseAuthorizationV4('OSS ak:sig')).toBeUndefined();
    expect(
      parseAuthorizationV4('OSS4-HMAC-SHA256 Credential=ak/2025/cn/oss/aliyun_v4_request,Signature=zz'),
    ).toBeUndefined();
    expect(parseAuthorizationV4(`OSS4-HMAC-SHA256 Signature=${'a'.repeat(64)}`)).toBeUndefined();
  });
});
