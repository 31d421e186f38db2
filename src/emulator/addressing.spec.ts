import { describe, expect, it } from 'vitest';
import { parseHost, parseQuery, resolveAddress } from './addressing.js';

describe(parseHost.name, () => {
  it.each([
    ['examplebucket.oss-cn-hangzhou.aliyuncs.com', { bucket: 'examplebucket', region: 'cn-hangzhou' }],
    ['oss-example.oss-cn-hangzhou.aliyuncs.com', { bucket: 'oss-example', region: 'cn-hangzhou' }],
    ['b1.oss-cn-beijing-internal.aliyuncs.com:443', { bucket: 'b1', region: 'cn-beijing' }],
    ['b1.cn-shanghai.oss.aliyuncs.com', { bucket: 'b1', region: 'cn-shanghai' }],
    ['bucket.cb-123.cn-hangzhou.oss-cloudbox.aliyuncs.com', { bucket: 'bucket' }],
    ['b1.oss-accelerate.aliyuncs.com', { bucket: 'b1' }],
    ['oss-cn-hangzhou.aliyuncs.com', { region: 'cn-hangzhou' }],
    ['127.0.0.1:9000', {}],
    ['127.0.0.1:9000/examplebucket', {}],
    ['localhost:9000', {}],
  ])('reads %s', (host, expected) => {
    const { hostname: _h, ...rest } = parseHost(host);
    expect(rest).toEqual(expected);
  });
});

describe(resolveAddress.name, () => {
  it('takes the bucket from the first path segment on an IP host and decodes the key', () => {
    expect(resolveAddress('127.0.0.1:9000', '/examplebucket/1234%2B-/123/1.txt')).toMatchObject({
      bucket: 'examplebucket',
      key: '1234+-/123/1.txt',
    });
    expect(resolveAddress('127.0.0.1:9000', '/examplebucket/')).toEqual({
      bucket: 'examplebucket',
      hostname: '127.0.0.1',
    });
    expect(resolveAddress('127.0.0.1:9000', '/')).toEqual({ hostname: '127.0.0.1' });
  });

  it('keeps the whole path as the key on a virtual host', () => {
    expect(resolveAddress('b1.oss-cn-hangzhou.aliyuncs.com', '/b1/x')).toMatchObject({
      bucket: 'b1',
      key: 'b1/x',
    });
  });
});

describe(parseQuery.name, () => {
  it('keeps wire order, null for bare keys, empty for key=, and + as a literal', () => {
    expect(parseQuery('replication&comp=add&x=a+b&y=&%2Bk=%7C')).toEqual([
      ['replication', null],
      ['comp', 'add'],
      ['x', 'a+b'],
      ['y', ''],
      ['+k', '|'],
    ]);
  });

  it('rejects broken percent-encoding with InvalidArgument', () => {
    expect(() => parseQuery('a=%E0%A4%A')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
