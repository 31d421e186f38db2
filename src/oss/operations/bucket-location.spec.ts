import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { GetBucketLocation } from './bucket-location.js';

describe('GetBucketLocation', () => {
  it('serialises GET /?location', () => {
    expect(GetBucketLocation.serialize({ bucket: 'b' })).toEqual({
      method: 'GET',
      bucket: 'b',
      query: [['location', null]],
      headers: {},
    });
  });

  it('reads the LocationConstraint text', () => {
    const out = GetBucketLocation.deserialize(ossResponse(ossFixture('GetBucketLocation', 'response.xml')), {
      bucket: 'b',
    });
    expect(out).toEqual({ requestId: '534B371674E88A4D8906', location: 'oss-cn-hangzhou' });
  });

  it('rejects an empty or structured LocationConstraint', () => {
    for (const body of ['<LocationConstraint/>', '<LocationConstraint><A>x</A></LocationConstraint>']) {
      expect(() => GetBucketLocation.deserialize(ossResponse(body), { bucket: 'b' })).toThrow(
        expect.objectContaining({ code: 'MalformedResponse' }),
      );
    }
  });
});
