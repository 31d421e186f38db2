import { OssClientError } from '../errors.js';
import type { GetBucketLocationOutput } from '../models/replication.js';
import { parseXml } from '../xml/xml-codec.js';
import type { BucketInput } from './bucket-replication.js';
import type { OssOperation } from './operation.js';
import { requestIdOf } from './operation.js';

/** `GET /?location` → `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`. */
export const GetBucketLocation: OssOperation<BucketInput, GetBucketLocationOutput> = {
  name: 'GetBucketLocation',
  serialize(input) {
    return { method: 'GET', bucket: input.bucket, query: [['location', null]], headers: {} };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'LocationConstraint');
    if (typeof root !== 'string' || root === '') {
      throw new OssClientError('MalformedResponse', 'LocationConstraint: expected a location');
    }
    return { requestId: requestIdOf(response), location: root };
  },
};
