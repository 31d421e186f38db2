import type { PutBucketRtcOutput } from '../models/replication.js';
import { buildXml } from '../xml/xml-codec.js';
import type { OssOperation } from './operation.js';
import { requestIdOf, xmlBodyHeaders } from './operation.js';

export interface PutBucketRtcInput {
  bucket: string;
  ruleId: string;
  enabled: boolean;
}

/** `PUT /?rtc`, body `<ReplicationRule><RTC><Status>…</Status></RTC><ID>…</ID></ReplicationRule>`. */
export const PutBucketRtc: OssOperation<PutBucketRtcInput, PutBucketRtcOutput> = {
  name: 'PutBucketRtc',
  serialize(input) {
    const body = buildXml('ReplicationRule', {
      RTC: { Status: input.enabled ? 'enabled' : 'disabled' },
      ID: input.ruleId,
    });
    return {
      method: 'PUT',
      bucket: input.bucket,
      query: [['rtc', null]],
      headers: xmlBodyHeaders(body),
      body,
    };
  },
  deserialize(response) {
    return { requestId: requestIdOf(response) };
  },
};
