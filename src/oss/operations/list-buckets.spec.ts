import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { ListBuckets } from './list-buckets.js';

describe('ListBuckets', () => {
  it('serialises GET / with prefix, marker and max-keys, leaving out what is not given', () => {
    expect(ListBuckets.serialize({})).toEqual({ method: 'GET', query: [], headers: {} });
    expect(ListBuckets.serialize({ prefix: 'my', marker: 'mybucket', maxKeys: 10 })).toEqual({
      method: 'GET',
      query: [
        ['prefix', 'my'],
        ['marker', 'mybucket'],
        ['max-keys', '10'],
      ],
      headers: {},
    });
  });

  it.each([0, 1001, 2.5])('refuses max-keys %s before sending anything', (maxKeys) => {
    expect(() => ListBuckets.serialize({ maxKeys })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });

  it('reads a truncated page: buckets, locations, regions and the next marker', () => {
    const out = ListBuckets.deserialize(ossResponse(ossFixture('ListBuckets', 'response.xml')), {});
    expect(out).toEqual({
      requestId: '534B371674E88A4D8906',
      isTruncated: true,
      nextMarker: 'mybucket10',
      owner: { id: '512**', displayName: '51264' },
      buckets: [
        {
          name: 'app-base-oss',
          location: 'oss-cn-shanghai',
          region: 'cn-shanghai',
          creationDate: new Date('2014-02-17T18:12:43.000Z'),
          storageClass: 'Standard',
          extranetEndpoint: 'oss-cn-shanghai.aliyuncs.com',
          intranetEndpoint: 'oss-cn-shanghai-internal.aliyuncs.com',
        },
        {
          name: 'mybucket',
          location: 'oss-cn-hangzhou',
          region: 'cn-hangzhou',
          creationDate: new Date('2014-02-25T11:21:04.000Z'),
          storageClass: 'IA',
          extranetEndpoint: 'oss-cn-hangzhou.aliyuncs.com',
          intranetEndpoint: 'oss-cn-hangzhou-internal.aliyuncs.com',
        },
      ],
    });
  });

  it('reads an unpaged answer (no IsTruncated) as one complete page', () => {
    const out = ListBuckets.deserialize(ossResponse(ossFixture('ListBuckets', 'unpaged.xml')), {});
    expect(out.isTruncated).toBe(false);
    expect(out.nextMarker).toBeUndefined();
    expect(out.buckets.map((b) => [b.name, b.location, b.region])).toEqual([
      ['xz02tphky6fjfiuc0', 'oss-cn-hangzhou', undefined],
    ]);
  });

  it('reads an account without buckets', () => {
    const body = '<ListAllMyBucketsResult><Owner><ID>1</ID></Owner><Buckets/></ListAllMyBucketsResult>';
    expect(ListBuckets.deserialize(ossResponse(body), {})).toEqual({
      requestId: '534B371674E88A4D8906',
      buckets: [],
      isTruncated: false,
      owner: { id: '1' },
    });
  });

  it.each([
    ['a 200 with another root', '<ListBucketResult><Name>x</Name></ListBucketResult>', 'UnexpectedRoot'],
    [
      'a bucket without a location',
      '<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>',
      'MalformedResponse',
    ],
    [
      'a truncated page without NextMarker',
      '<ListAllMyBucketsResult><IsTruncated>true</IsTruncated><Buckets/></ListAllMyBucketsResult>',
      'MalformedResponse',
    ],
    [
      'an IsTruncated that is not a boolean',
      '<ListAllMyBucketsResult><IsTruncated>yes</IsTruncated><Buckets/></ListAllMyBucketsResult>',
      'MalformedResponse',
    ],
    [
      'a CreationDate that is not a date',
      '<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name><Location>oss-cn-hangzhou</Location><CreationDate>soon</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
      'MalformedResponse',
    ],
  ])('rejects %s', (_what, body, code) => {
    expect(() => ListBuckets.deserialize(ossResponse(body), {})).toThrow(expect.objectContaining({ code }));
  });
});
