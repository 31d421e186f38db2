import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { PutBucketRtc } from './bucket-rtc.js';

describe('PutBucketRtc', () => {
  it('serialises PUT /?rtc with the golden ReplicationRule body', () => {
    const spec = PutBucketRtc.serialize({ bucket: 'examplebucket', ruleId: 'rule-1', enabled: true });
    expect(spec.method).toBe('PUT');
    expect(spec.query).toEqual([['rtc', null]]);
    expect(spec.body).toBe(ossFixture('PutBucketRtc', 'request.xml'));
    expect(spec.headers).toEqual({
      'Content-Type': 'application/xml',
      'Content-MD5': '/aZEZH0NrKuCxiDaIGlG7Q==',
    });
  });

  it('sends disabled when turning RTC off', () => {
    const spec = PutBucketRtc.serialize({ bucket: 'b', ruleId: 'r', enabled: false });
    expect(spec.body).toContain('<RTC><Status>disabled</Status></RTC><ID>r</ID>');
  });

  it('returns the request id of the empty 200 answer', () => {
    expect(PutBucketRtc.deserialize(ossResponse(), { bucket: 'b', ruleId: 'r', enabled: true })).toEqual({
      requestId: '534B371674E88A4D8906',
    });
  });
});
