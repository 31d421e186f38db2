import { describe, expect, it } from 'vitest';
import {
  canonicalizedOssHeaders,
  canonicalizedResourceV1,
  isV1SignedQueryKey,
  parseAuthorizationV1,
  signatureV1,
  signV1Header,
  stringToSignV1,
  V1_SUB_RESOURCES,
} from './v1.js';

describe('V1_SUB_RESOURCES', () => {
  it('contains every replication sub-resource and not rule-id', () => {
    for (const key of [
      'replication',
      'replicationLocation',
      'replicationProgress',
      'rtc',
      'comp',
      'versioning',
      'continuation-token',
    ]) {
      expect(V1_SUB_RESOURCES.has(key), key).toBe(true);
    }
    expect(V1_SUB_RESOURCES.has('rule-id')).toBe(false);
  });

  it('signs any x-oss- prefixed query key and declared extras', () => {
    expect(isV1SignedQueryKey('x-oss-anything')).toBe(true);
    expect(isV1SignedQueryKey('rule-id')).toBe(false);
    expect(isV1SignedQueryKey('custom', ['custom'])).toBe(true);
  });
});

describe('canonicalizedResourceV1', () => {
  it('renders the six replication operations as the SDKs do', () => {
    expect(
      canonicalizedResourceV1('b', undefined, [
        ['replication', null],
        ['comp', 'add'],
      ]),
    ).toBe('/b/?comp=add&replication');
    expect(
      canonicalizedResourceV1('b', undefined, [
        ['comp', 'delete'],
        ['replication', ''],
      ]),
    ).toBe('/b/?comp=delete&replication');
    expect(canonicalizedResourceV1('b', undefined, [['rtc', '']])).toBe('/b/?rtc');
    expect(canonicalizedResourceV1('b', undefined, [['replicationLocation', null]])).toBe(
      '/b/?replicationLocation',
    );
    expect(
      canonicalizedResourceV1('b', undefined, [
        ['replicationProgress', null],
        ['rule-id', 'r1'],
      ]),
    ).toBe('/b/?replicationProgress');
  });

  it('keeps the key unencoded and uses / without a bucket', () => {
    expect(canonicalizedResourceV1('b', 'a b+c', [])).toBe('/b/a b+c');
    expect(canonicalizedResourceV1(undefined, undefined, [])).toBe('/');
  });
});

describe('stringToSignV1', () => {
  it('prefers x-oss-date over Date for the date line', () => {
    const s = stringToSignV1('GET', { Date: 'd1', 'x-oss-date': 'd2' }, '/');
    expect(s).toBe('GET\n\n\nd2\nx-oss-date:d2\n/');
  });

  it('canonicalises x-oss headers case-insensitively and sorted', () => {
    expect(canonicalizedOssHeaders({ 'X-OSS-B': ' 2 ', 'x-oss-a': '1', Host: 'h' })).toBe(
      'x-oss-a:1\nx-oss-b:2\n',
    );
  });
});

describe('signV1Header', () => {
  it('signs with the given time and verifies with the pure helpers', () => {
    const req = {
      method: 'GET',
      bucket: 'b',
      query: [['replication', null]] as [string, null][],
      headers: {},
    };
    const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 't' };
    const now = new Date(Date.UTC(2025, 3, 17, 15, 39, 12));
    const out = signV1Header(req, { credentials, region: 'cn-hangzhou', now });
    expect(req.headers).toMatchObject({ Date: 'Thu, 17 Apr 2025 15:39:12 GMT', 'x-oss-security-token': 't' });
    const parsed = parseAuthorizationV1(out.authorization)!;
    const expected = signatureV1(
      'sk',
      stringToSignV1('GET', req.headers, canonicalizedResourceV1('b', undefined, req.query)),
    );
    expect(parsed).toEqual({ accessKeyId: 'ak', signature: expected });
  });

  it('rejects malformed Authorization values', () => {
    expect(parseAuthorizationV1('OSS4-HMAC-SHA256 x')).toBeUndefined();
    expect(parseAuthorizationV1('OSS ak')).toBeUndefined();
  });
});
