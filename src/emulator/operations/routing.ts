/** Which OSS operation a request names: method, addressing and sub-resources (no handler code here). */

export type OperationName =
  | 'ListBuckets'
  | 'PutBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'GetBucketInfo'
  | 'PutBucketVersioning'
  | 'GetBucketVersioning'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'PutBucketReplication'
  | 'DeleteBucketReplication'
  | 'GetBucketReplication'
  | 'PutBucketRTC'
  | 'GetBucketReplicationLocation'
  | 'GetBucketReplicationProgress'
  | 'NotImplemented'
  | 'MethodNotAllowed';

/** Sub-resources the emulator recognises but does not serve (answered with NotImplemented). */
const UNSUPPORTED_SUB_RESOURCES = new Set([
  'acl',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'policy',
  'encryption',
  'tagging',
  'worm',
  'wormId',
  'wormExtend',
  'inventory',
  'inventoryId',
  'resourceGroup',
  'transferAcceleration',
  'cname',
  'qos',
  'qosInfo',
  'uploads',
  'uploadId',
  'partNumber',
  'append',
  'delete',
  'restore',
  'symlink',
  'objectMeta',
  'versions',
  'stat',
  'live',
  'img',
  'style',
  'requestPayment',
  'asyncFetch',
  'regionList',
  'callback',
  'x-oss-process',
]);

export type QueryMap = ReadonlyMap<string, string | null>;

/** Picks the OSS operation from method, addressing and sub-resources (any order, `key` ≡ `key=`). */
export function routeOperation(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  q: QueryMap,
): OperationName {
  if (bucket === undefined) {
    return method === 'GET' ? 'ListBuckets' : 'MethodNotAllowed';
  }
  if (key === undefined) {
    if (q.has('replication')) {
      const comp = q.get('comp');
      if (method === 'POST' && comp === 'add') {
        return 'PutBucketReplication';
      }
      if (method === 'POST' && comp === 'delete') {
        return 'DeleteBucketReplication';
      }
      return method === 'GET' && !q.has('comp') ? 'GetBucketReplication' : 'MethodNotAllowed';
    }
    if (q.has('rtc')) {
      return method === 'PUT' ? 'PutBucketRTC' : 'MethodNotAllowed';
    }
    if (q.has('replicationLocation')) {
      return method === 'GET' ? 'GetBucketReplicationLocation' : 'MethodNotAllowed';
    }
    if (q.has('replicationProgress')) {
      return method === 'GET' ? 'GetBucketReplicationProgress' : 'MethodNotAllowed';
    }
    if (q.has('location')) {
      return method === 'GET' ? 'GetBucketLocation' : 'MethodNotAllowed';
    }
    if (q.has('bucketInfo')) {
      return method === 'GET' ? 'GetBucketInfo' : 'MethodNotAllowed';
    }
    if (q.has('versioning')) {
      return method === 'PUT'
        ? 'PutBucketVersioning'
        : method === 'GET'
          ? 'GetBucketVersioning'
          : 'MethodNotAllowed';
    }
    for (const k of q.keys()) {
      if (UNSUPPORTED_SUB_RESOURCES.has(k)) {
        return 'NotImplemented';
      }
    }
    switch (method) {
      case 'PUT':
        return 'PutBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'GET':
        return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      default:
        return 'MethodNotAllowed';
    }
  }
  for (const k of q.keys()) {
    if (UNSUPPORTED_SUB_RESOURCES.has(k)) {
      return 'NotImplemented';
    }
  }
  switch (method) {
    case 'PUT':
      return 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return 'MethodNotAllowed';
  }
}
