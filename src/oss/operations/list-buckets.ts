import { OssClientError } from '../errors.js';
import type { ListBucketsInput, ListBucketsOutput, ListedBucketWire } from '../models/service.js';
import type { QueryPair } from '../signer/types.js';
import { childElement, childText, children, parseXml, type XmlNode } from '../xml/xml-codec.js';
import type { OssOperation } from './operation.js';
import { requestIdOf } from './operation.js';

/** OSS's bounds for `max-keys` of ListBuckets. */
export const LIST_BUCKETS_MAX_KEYS = 1000;

function malformed(message: string): OssClientError {
  return new OssClientError('MalformedResponse', `ListAllMyBucketsResult: ${message}`);
}

function bucketFromXml(node: XmlNode, index: number): ListedBucketWire {
  const name = childText(node, 'Name');
  const location = childText(node, 'Location');
  if (name === undefined || name === '') {
    throw malformed(`Buckets.Bucket[${index}] has no Name`);
  }
  if (location === undefined || location === '') {
    throw malformed(`Buckets.Bucket[${index}] (${name}) has no Location`);
  }
  const bucket: ListedBucketWire = { name, location };
  const region = childText(node, 'Region');
  if (region !== undefined && region !== '') {
    bucket.region = region;
  }
  const created = childText(node, 'CreationDate');
  if (created !== undefined && created !== '') {
    const date = new Date(created);
    if (Number.isNaN(date.getTime())) {
      throw malformed(`Buckets.Bucket[${index}].CreationDate is not a date: ${JSON.stringify(created)}`);
    }
    bucket.creationDate = date;
  }
  for (const [xml, field] of [
    ['StorageClass', 'storageClass'],
    ['ExtranetEndpoint', 'extranetEndpoint'],
    ['IntranetEndpoint', 'intranetEndpoint'],
  ] as const) {
    const value = childText(node, xml);
    if (value !== undefined && value !== '') {
      bucket[field] = value;
    }
  }
  return bucket;
}

/**
 * ListBuckets (GetService): `GET /` on the region's service endpoint with `prefix`, `marker` and
 * `max-keys` → root `ListAllMyBucketsResult`. A page is truncated when `IsTruncated` is `true`; the
 * next page starts after `NextMarker` (OSS sends both only when paging parameters were given).
 */
export const ListBuckets: OssOperation<ListBucketsInput, ListBucketsOutput> = {
  name: 'ListBuckets',
  serialize(input) {
    const query: QueryPair[] = [];
    if (input.prefix !== undefined && input.prefix !== '') {
      query.push(['prefix', input.prefix]);
    }
    if (input.marker !== undefined && input.marker !== '') {
      query.push(['marker', input.marker]);
    }
    if (input.maxKeys !== undefined) {
      if (!Number.isInteger(input.maxKeys) || input.maxKeys < 1 || input.maxKeys > LIST_BUCKETS_MAX_KEYS) {
        throw new OssClientError(
          'InvalidArgument',
          `ListBuckets: maxKeys must be an integer between 1 and ${LIST_BUCKETS_MAX_KEYS}`,
        );
      }
      query.push(['max-keys', String(input.maxKeys)]);
    }
    return { method: 'GET', query, headers: {} };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'ListAllMyBucketsResult');
    const truncatedText = childText(root, 'IsTruncated');
    if (truncatedText !== undefined && truncatedText !== 'true' && truncatedText !== 'false') {
      throw malformed(`IsTruncated must be true or false, got ${JSON.stringify(truncatedText)}`);
    }
    const isTruncated = truncatedText === 'true';
    const nextMarker = childText(root, 'NextMarker');
    if (isTruncated && (nextMarker === undefined || nextMarker === '')) {
      throw malformed('IsTruncated is true but NextMarker is missing');
    }
    const container = childElement(root, 'Buckets');
    const buckets = children(container, 'Bucket').map(bucketFromXml);
    const output: ListBucketsOutput = { requestId: requestIdOf(response), buckets, isTruncated };
    if (isTruncated && nextMarker !== undefined) {
      output.nextMarker = nextMarker;
    }
    const ownerNode = childElement(root, 'Owner');
    const ownerId = childText(ownerNode, 'ID');
    if (ownerId !== undefined && ownerId !== '') {
      const displayName = childText(ownerNode, 'DisplayName');
      output.owner = displayName ? { id: ownerId, displayName } : { id: ownerId };
    }
    return output;
  },
};
