import { describe, expect, it } from 'vitest';
import { assertValidBucketName, defaultEndpointHost, encodeQuery, EndpointResolver } from './endpoint.js';
import { OssClientError } from './errors.js';
import { normalizeRegion, regionToLocation } from './region.js';

describe(EndpointResolver.name, () => {
  it('uses virtual-hosted style on the regional endpoint by default', () => {
    const r = new EndpointResolver({ region: 'cn-hangzhou' });
    expect(
      r.resolve({
        bucket: 'examplebucket',
        query: [
          ['replication', null],
          ['comp', 'add'],
        ],
      }),
    ).toEqual({
      origin: 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com',
      path: '/?replication&comp=add',
      host: 'examplebucket.oss-cn-hangzhou.aliyuncs.com',
      addressing: 'virtual',
    });
  });

  it('uses the internal endpoint when asked and the per-request region when given', () => {
    const r = new EndpointResolver({ region: 'oss-cn-hangzhou', internal: true });
    expect(r.resolve({ bucket: 'b12', query: [], region: 'cn-beijing' }).origin).toBe(
      'https://b12.oss-cn-beijing-internal.aliyuncs.com',
    );
  });

  it('switches to path style for an IP or localhost endpoint and keeps the scheme and port', () => {
    for (const endpoint of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000']) {
      const r = new EndpointResolver({ region: 'cn-hangzhou', endpoint });
      const out = r.resolve({ bucket: 'examplebucket', key: 'a b/c+d', query: [['rule-id', 'r 1']] });
      expect(out.addressing).toBe('path');
      expect(out.path).toBe('/examplebucket/a%20b/c%2Bd?rule-id=r%201');
      expect(out.origin).toBe(endpoint);
    }
  });

  it('honours addressing: path on a DNS endpoint and defaults a bare host to https', () => {
    const r = new EndpointResolver({
      region: 'cn-hangzhou',
      endpoint: 'oss.example.internal',
      addressing: 'path',
    });
    expect(r.resolve({ bucket: 'abc', query: [] })).toMatchObject({
      origin: 'https://oss.example.internal',
      path: '/abc/',
    });
    const v = new EndpointResolver({ region: 'cn-hangzhou', endpoint: 'oss.example.internal:8443' });
    expect(v.resolve({ bucket: 'abc', query: [] }).origin).toBe('https://abc.oss.example.internal:8443');
  });

  it('refuses invalid bucket names before they reach a Host header or path', () => {
    const r = new EndpointResolver({ region: 'cn-hangzhou' });
    for (const bucket of ['Ab', 'ab', '-abc', 'abc-', 'a.b.c', 'evil.com/x', 'a'.repeat(64), 'abc\r\nx']) {
      expect(() => r.resolve({ bucket, query: [] })).toThrow(
        expect.objectContaining({ code: 'InvalidBucketName' }),
      );
    }
  });

  it('refuses endpoints with a path, credentials or a foreign scheme', () => {
    for (const endpoint of ['http://h/x', 'http://u:p@h', 'ftp://h']) {
      expect(() => new EndpointResolver({ region: 'cn-hangzhou', endpoint })).toThrow(OssClientError);
    }
  });

  it('serves requests without a bucket at the endpoint root', () => {
    const r = new EndpointResolver({ region: 'cn-hangzhou' });
    expect(r.resolve({ query: [] })).toMatchObject({
      origin: 'https://oss-cn-hangzhou.aliyuncs.com',
      path: '/',
    });
  });
});

describe('region helpers', () => {
  it('normalise both spellings', () => {
    expect(normalizeRegion('oss-cn-hangzhou')).toBe('cn-hangzhou');
    expect(normalizeRegion('cn-hangzhou')).toBe('cn-hangzhou');
    expect(regionToLocation('cn-beijing')).toBe('oss-cn-beijing');
    expect(defaultEndpointHost('oss-us-west-1')).toBe('oss-us-west-1.aliyuncs.com');
    expect(() => normalizeRegion('cn hangzhou/x')).toThrow(OssClientError);
  });

  it('encode queries in wire order, keeping bare keys and empty values apart', () => {
    expect(
      encodeQuery([
        ['replication', null],
        ['comp', ''],
        ['a/b', 'c&d'],
      ]),
    ).toBe('replication&comp=&a%2Fb=c%26d');
  });

  it('accept valid bucket names', () => {
    expect(() => assertValidBucketName('my-bucket-01')).not.toThrow();
  });
});
