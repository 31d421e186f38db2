import type { GetBucketReplicationLocationOutput } from '../models/replication.js';
import { childElement, children, childTexts, parseXml, requiredText } from '../xml/xml-codec.js';
import type { BucketInput } from './bucket-replication.js';
import type { OssOperation } from './operation.js';
import { requestIdOf } from './operation.js';

/** `GET /?replicationLocation` → root `ReplicationLocation`. */
export const GetBucketReplicationLocation: OssOperation<BucketInput, GetBucketReplicationLocationOutput> = {
  name: 'GetBucketReplicationLocation',
  serialize(input) {
    return { method: 'GET', bucket: input.bucket, query: [['replicationLocation', null]], headers: {} };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'ReplicationLocation');
    const constraints = children(
      childElement(root, 'LocationTransferTypeConstraint'),
      'LocationTransferType',
    );
    return {
      requestId: requestIdOf(response),
      locations: childTexts(root, 'Location').filter((l) => l !== ''),
      transferTypeConstraints: constraints.map((node) => ({
        location: requiredText(node, 'Location', 'LocationTransferType'),
        transferTypes: childTexts(childElement(node, 'TransferTypes'), 'Type').filter((t) => t !== ''),
      })),
      rtcLocations: childTexts(childElement(root, 'LocationRTCConstraint'), 'Location').filter(
        (l) => l !== '',
      ),
    };
  },
};
