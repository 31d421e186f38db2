import { createHash } from 'node:crypto';
import { formatHttpDate } from '../oss/signer/encoding.js';
import { ossError } from './errors.js';
import type { RegionCatalog } from './regions.js';
import { toLocation } from './regions.js';
import type { ReplicationEngine } from './replication/replication-engine.js';
import {
  parseDeleteReplicationBody,
  parsePutReplicationBody,
  parsePutRtcBody,
  parseRoot,
  replicationConfigurationXml,
  replicationLocationXml,
  replicationProgressXml,
} from './replication/replication-xml.js';
import { isValidObjectKey } from './store/bucket-name.js';
import type { BucketState, EmulatorStore, StoredObject } from './store/emulator-store.js';
import { buildXml, childText, el, type XmlNode } from './xml.js';

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

/** The account that owns every emulator bucket. */
export const EMULATOR_OWNER_ID = '1234567890123456';

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
  'lifecycle',
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

export interface OperationContext {
  store: EmulatorStore;
  engine: ReplicationEngine;
  regions: RegionCatalog;
  clock: () => Date;
  method: string;
  bucketName?: string;
  key?: string;
  query: QueryMap;
  headers: Record<string, string>;
  body: Buffer;
  /** Region for requests that create something: host, else V4 scope, else default. */
  region: string;
  /** The host named a region that is not configured. */
  unknownHostRegion?: string;
}

export interface OperationResult {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

const XML_HEADERS = { 'content-type': 'application/xml' };

function xml(node: XmlNode, status = 200, headers: Record<string, string> = {}): OperationResult {
  return { status, headers: { ...XML_HEADERS, ...headers }, body: buildXml(node) };
}

function requireBucket(ctx: OperationContext): BucketState {
  const bucket = ctx.store.getBucket(ctx.bucketName!);
  if (!bucket) {
    throw ossError('NoSuchBucket', { BucketName: ctx.bucketName! });
  }
  return bucket;
}

function endpoint(region: string, internal = false): string {
  return `${toLocation(region)}${internal ? '-internal' : ''}.aliyuncs.com`;
}

function queryInt(ctx: OperationContext, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.query.get(name);
  if (raw === undefined || raw === null || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: raw },
      `${name} must be an integer between ${min} and ${max}.`,
    );
  }
  return Number(raw);
}

function queryStr(ctx: OperationContext, name: string): string {
  return ctx.query.get(name) ?? '';
}

// ---------------------------------------------------------------------------------------------
// Service and bucket operations
// ---------------------------------------------------------------------------------------------

function owner(): XmlNode {
  return el('Owner', [el('ID', EMULATOR_OWNER_ID), el('DisplayName', EMULATOR_OWNER_ID)]);
}

function listBuckets(ctx: OperationContext): OperationResult {
  const prefix = queryStr(ctx, 'prefix');
  const marker = queryStr(ctx, 'marker');
  const maxKeys = queryInt(ctx, 'max-keys', 100, 1, 1000);
  const all = ctx.store.listBuckets().filter((b) => b.name.startsWith(prefix) && b.name > marker);
  const page = all.slice(0, maxKeys);
  const truncated = all.length > page.length;
  const paged = ctx.query.has('prefix') || ctx.query.has('marker') || ctx.query.has('max-keys');
  return xml(
    el('ListAllMyBucketsResult', [
      paged && el('Prefix', prefix),
      paged && el('Marker', marker),
      paged && el('MaxKeys', String(maxKeys)),
      paged && el('IsTruncated', String(truncated)),
      truncated && el('NextMarker', page[page.length - 1].name),
      owner(),
      el(
        'Buckets',
        page.map((b) =>
          el('Bucket', [
            el('CreationDate', b.createdAt.toISOString()),
            el('ExtranetEndpoint', endpoint(b.region)),
            el('IntranetEndpoint', endpoint(b.region, true)),
            el('Location', toLocation(b.region)),
            el('Name', b.name),
            el('Region', b.region),
            el('StorageClass', b.storageClass),
          ]),
        ),
      ),
    ]),
  );
}

const STORAGE_CLASSES = new Set(['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive']);
const MAX_BUCKETS_PER_REGION = 100;

function putBucket(ctx: OperationContext): OperationResult {
  const name = ctx.bucketName!;
  if (ctx.unknownHostRegion !== undefined || !ctx.regions.has(ctx.region)) {
    throw ossError('InvalidLocationConstraint', { Location: ctx.unknownHostRegion ?? ctx.region });
  }
  let storageClass = 'Standard';
  if (ctx.body.length > 0) {
    const root = parseRoot(ctx.body, 'CreateBucketConfiguration');
    const sc = childText(root, 'StorageClass');
    if (sc !== undefined && sc !== '') {
      if (!STORAGE_CLASSES.has(sc)) {
        throw ossError(
          'InvalidArgument',
          { ArgumentName: 'StorageClass', ArgumentValue: sc },
          'Invalid storage class.',
        );
      }
      storageClass = sc;
    }
  }
  if (ctx.store.getBucket(name)) {
    throw ossError('BucketAlreadyExists', { BucketName: name });
  }
  if (ctx.store.listBuckets().filter((b) => b.region === ctx.region).length >= MAX_BUCKETS_PER_REGION) {
    throw ossError('TooManyBuckets');
  }
  ctx.store.createBucket(name, ctx.region, ctx.clock(), storageClass);
  return { status: 200, headers: { location: `/${name}` } };
}

function deleteBucket(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  if (bucket.objects.size > 0) {
    throw ossError('BucketNotEmpty', { BucketName: bucket.name });
  }
  ctx.store.deleteBucket(bucket.name);
  return { status: 204 };
}

function getBucketLocation(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  return xml(el('LocationConstraint', toLocation(bucket.region)));
}

function getBucketInfo(ctx: OperationContext): OperationResult {
  const b = requireBucket(ctx);
  return xml(
    el('BucketInfo', [
      el('Bucket', [
        el('AccessMonitor', 'Disabled'),
        el('CreationDate', b.createdAt.toISOString()),
        el('CrossRegionReplication', b.rules.length > 0 ? 'Enabled' : 'Disabled'),
        el('DataRedundancyType', 'LRS'),
        el('ExtranetEndpoint', endpoint(b.region)),
        el('IntranetEndpoint', endpoint(b.region, true)),
        el('Location', toLocation(b.region)),
        el('Name', b.name),
        el('ResourceGroupId', 'rg-default'),
        el('StorageClass', b.storageClass),
        el('TransferAcceleration', 'Disabled'),
        b.versioning !== undefined && el('Versioning', b.versioning),
        owner(),
        el('AccessControlList', [el('Grant', 'private')]),
        el('ServerSideEncryptionRule', [el('SSEAlgorithm', 'None')]),
        el('BucketPolicy', [el('LogBucket', ''), el('LogPrefix', '')]),
      ]),
    ]),
  );
}

function putBucketVersioning(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const root = parseRoot(ctx.body, 'VersioningConfiguration');
  const status = childText(root, 'Status');
  if (status !== 'Enabled' && status !== 'Suspended') {
    throw ossError('MalformedXML', {}, 'The versioning Status must be Enabled or Suspended.');
  }
  if (status === 'Suspended' && bucket.versioning === 'Enabled' && hasReplication(ctx.store, bucket.name)) {
    throw ossError(
      'InvalidRequest',
      {},
      'Versioning cannot be suspended while the bucket takes part in replication.',
    );
  }
  bucket.versioning = status;
  ctx.store.changed();
  return { status: 200 };
}

function hasReplication(store: EmulatorStore, bucket: string): boolean {
  return store
    .listBuckets()
    .some(
      (b) =>
        (b.name === bucket && b.rules.length > 0) || b.rules.some((r) => r.destination.bucket === bucket),
    );
}

function getBucketVersioning(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  return xml(
    el('VersioningConfiguration', [bucket.versioning !== undefined && el('Status', bucket.versioning)]),
  );
}

// ---------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------

/** First index whose key is > `marker` (or >= when `inclusive`). */
function searchSorted(sorted: readonly string[], marker: string, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = sorted[mid];
    if (inclusive ? k < marker : k <= marker) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

interface ListPage {
  contents: StoredObject[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Last key or common prefix returned. */
  last?: string;
}

function listPage(
  store: EmulatorStore,
  bucket: BucketState,
  prefix: string,
  after: string,
  delimiter: string,
  maxKeys: number,
): ListPage {
  const keys = store.sortedKeys(bucket);
  const page: ListPage = { contents: [], commonPrefixes: [], truncated: false };
  let i = Math.max(searchSorted(keys, after, false), searchSorted(keys, prefix, true));
  for (; i < keys.length; i++) {
    const key = keys[i];
    if (!key.startsWith(prefix)) {
      break;
    }
    let entry: string = key;
    let isPrefix = false;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + delimiter.length);
        isPrefix = true;
        if (page.commonPrefixes[page.commonPrefixes.length - 1] === entry || entry === after) {
          continue;
        }
      }
    }
    if (page.contents.length + page.commonPrefixes.length >= maxKeys) {
      page.truncated = true;
      break;
    }
    if (isPrefix) {
      page.commonPrefixes.push(entry);
    } else {
      page.contents.push(bucket.objects.get(key)!);
    }
    page.last = entry;
  }
  return page;
}

function encodeKey(value: string, urlEncode: boolean): string {
  return urlEncode ? encodeURIComponent(value) : value;
}

function contentsXml(objects: StoredObject[], urlEncode: boolean, withOwner: boolean): XmlNode[] {
  return objects.map((o) =>
    el('Contents', [
      el('Key', encodeKey(o.key, urlEncode)),
      el('LastModified', o.lastModified.toISOString()),
      el('ETag', `"${o.etag}"`),
      el('Type', 'Normal'),
      el('Size', String(o.body.length)),
      el('StorageClass', 'Standard'),
      withOwner && owner(),
    ]),
  );
}

function checkEncodingType(ctx: OperationContext): boolean {
  const enc = ctx.query.get('encoding-type');
  if (enc === undefined || enc === null || enc === '') {
    return false;
  }
  if (enc !== 'url') {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: 'encoding-type', ArgumentValue: enc },
      'encoding-type must be url.',
    );
  }
  return true;
}

function listObjects(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const prefix = queryStr(ctx, 'prefix');
  const marker = queryStr(ctx, 'marker');
  const delimiter = queryStr(ctx, 'delimiter');
  const maxKeys = queryInt(ctx, 'max-keys', 100, 0, 1000);
  const url = checkEncodingType(ctx);
  const page = listPage(ctx.store, bucket, prefix, marker, delimiter, maxKeys);
  return xml(
    el('ListBucketResult', [
      el('Name', bucket.name),
      el('Prefix', encodeKey(prefix, url)),
      el('Marker', encodeKey(marker, url)),
      el('MaxKeys', String(maxKeys)),
      el('Delimiter', encodeKey(delimiter, url)),
      url && el('EncodingType', 'url'),
      el('IsTruncated', String(page.truncated)),
      page.truncated && page.last !== undefined && el('NextMarker', encodeKey(page.last, url)),
      ...contentsXml(page.contents, url, true),
      ...page.commonPrefixes.map((p) => el('CommonPrefixes', [el('Prefix', encodeKey(p, url))])),
    ]),
  );
}

function listObjectsV2(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const prefix = queryStr(ctx, 'prefix');
  const delimiter = queryStr(ctx, 'delimiter');
  const startAfter = queryStr(ctx, 'start-after');
  const token = ctx.query.get('continuation-token');
  const maxKeys = queryInt(ctx, 'max-keys', 100, 0, 1000);
  const url = checkEncodingType(ctx);
  const fetchOwner = ctx.query.get('fetch-owner') === 'true';
  let after = startAfter;
  if (token !== undefined && token !== null && token !== '') {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('k:')) {
      throw ossError(
        'InvalidArgument',
        { ArgumentName: 'continuation-token' },
        'The continuation token is invalid.',
      );
    }
    after = decoded.slice(2) > after ? decoded.slice(2) : after;
  }
  const page = listPage(ctx.store, bucket, prefix, after, delimiter, maxKeys);
  return xml(
    el('ListBucketResult', [
      el('Name', bucket.name),
      el('Prefix', encodeKey(prefix, url)),
      ctx.query.has('start-after') && el('StartAfter', encodeKey(startAfter, url)),
      token !== undefined && token !== null && el('ContinuationToken', token),
      el('MaxKeys', String(maxKeys)),
      el('Delimiter', encodeKey(delimiter, url)),
      url && el('EncodingType', 'url'),
      el('IsTruncated', String(page.truncated)),
      page.truncated &&
        page.last !== undefined &&
        el('NextContinuationToken', Buffer.from(`k:${page.last}`, 'utf8').toString('base64url')),
      el('KeyCount', String(page.contents.length + page.commonPrefixes.length)),
      ...contentsXml(page.contents, url, fetchOwner),
      ...page.commonPrefixes.map((p) => el('CommonPrefixes', [el('Prefix', encodeKey(p, url))])),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

export function md5Hex(body: Buffer): string {
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

/** Writes an object as a client would (replication picks it up). */
export function writeObject(
  store: EmulatorStore,
  engine: ReplicationEngine,
  bucket: BucketState,
  key: string,
  body: Buffer,
  contentType: string,
  userMeta: Record<string, string>,
  now: Date,
): StoredObject {
  const obj: StoredObject = {
    key,
    body,
    etag: md5Hex(body),
    contentType,
    lastModified: now,
    userMeta,
    replica: false,
  };
  store.putObject(bucket, obj);
  engine.onObjectWritten(bucket, key);
  return obj;
}

/** Deletes an object as a client would; true when it existed. */
export function removeObject(
  store: EmulatorStore,
  engine: ReplicationEngine,
  bucket: BucketState,
  key: string,
): boolean {
  const existed = store.deleteObject(bucket, key);
  if (existed) {
    engine.onObjectDeleted(bucket, key);
  }
  return existed;
}

function checkKey(key: string): void {
  if (!isValidObjectKey(key)) {
    throw ossError('InvalidObjectName', { ObjectName: key });
  }
}

function putObject(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const key = ctx.key!;
  checkKey(key);
  if (ctx.headers['x-oss-forbid-overwrite'] === 'true' && bucket.objects.has(key)) {
    throw ossError(
      'InvalidRequest',
      {},
      'The object you specified already exists and can not be overwritten.',
    );
  }
  const userMeta: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (name.startsWith('x-oss-meta-')) {
      userMeta[name.slice('x-oss-meta-'.length)] = value;
    }
  }
  const obj = writeObject(
    ctx.store,
    ctx.engine,
    bucket,
    key,
    ctx.body,
    ctx.headers['content-type'] ?? 'application/octet-stream',
    userMeta,
    ctx.clock(),
  );
  return {
    status: 200,
    headers: { etag: `"${obj.etag}"`, 'content-md5': createHash('md5').update(obj.body).digest('base64') },
  };
}

function objectHeaders(obj: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': obj.contentType,
    etag: `"${obj.etag}"`,
    'last-modified': formatHttpDate(obj.lastModified),
    'content-md5': Buffer.from(obj.etag, 'hex').toString('base64'),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(obj.userMeta)) {
    headers[`x-oss-meta-${name}`] = value;
  }
  return headers;
}

function requireObject(ctx: OperationContext): StoredObject {
  const bucket = requireBucket(ctx);
  const obj = bucket.objects.get(ctx.key!);
  if (!obj) {
    throw ossError('NoSuchKey', { Key: ctx.key! });
  }
  return obj;
}

function getObject(ctx: OperationContext): OperationResult {
  const obj = requireObject(ctx);
  return { status: 200, headers: objectHeaders(obj), body: obj.body };
}

function headObject(ctx: OperationContext): OperationResult {
  const obj = requireObject(ctx);
  return { status: 200, headers: { ...objectHeaders(obj), 'content-length': String(obj.body.length) } };
}

function deleteObject(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  checkKey(ctx.key!);
  removeObject(ctx.store, ctx.engine, bucket, ctx.key!);
  return { status: 204 };
}

// ---------------------------------------------------------------------------------------------
// Replication
// ---------------------------------------------------------------------------------------------

function putBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const input = parsePutReplicationBody(ctx.body);
  const rule = ctx.engine.addRule(bucket, input);
  return { status: 200, headers: { 'x-oss-replication-rule-id': rule.id } };
}

function getBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  if (bucket.rules.length === 0) {
    throw ossError('NoSuchReplicationConfiguration', { BucketName: bucket.name });
  }
  return xml(replicationConfigurationXml(bucket.rules));
}

function getBucketReplicationLocation(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  return xml(replicationLocationXml(ctx.regions.destinations(bucket.region)));
}

/** With `rule-id`: that rule; without: every rule of the bucket, as real OSS answers. */
function getBucketReplicationProgress(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const ruleId = ctx.query.get('rule-id');
  let rules;
  if (ruleId === undefined || ruleId === null || ruleId === '') {
    if (bucket.rules.length === 0) {
      throw ossError('NoSuchReplicationConfiguration', { BucketName: bucket.name });
    }
    rules = bucket.rules;
  } else {
    rules = [ctx.engine.findRule(bucket, ruleId)];
  }
  return xml(replicationProgressXml(rules.map((rule) => ({ rule, progress: ctx.engine.progress(rule) }))));
}

function putBucketRtc(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const { id, enabled } = parsePutRtcBody(ctx.body);
  ctx.engine.setRtc(bucket, id, enabled);
  return { status: 200 };
}

function deleteBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const id = parseDeleteReplicationBody(ctx.body);
  const outcome = ctx.engine.deleteRule(bucket, id);
  return { status: outcome === 'alreadyClosing' ? 204 : 200 };
}

export function runOperation(op: OperationName, ctx: OperationContext): OperationResult {
  switch (op) {
    case 'ListBuckets':
      return listBuckets(ctx);
    case 'PutBucket':
      return putBucket(ctx);
    case 'DeleteBucket':
      return deleteBucket(ctx);
    case 'GetBucketLocation':
      return getBucketLocation(ctx);
    case 'GetBucketInfo':
      return getBucketInfo(ctx);
    case 'PutBucketVersioning':
      return putBucketVersioning(ctx);
    case 'GetBucketVersioning':
      return getBucketVersioning(ctx);
    case 'ListObjects':
      return listObjects(ctx);
    case 'ListObjectsV2':
      return listObjectsV2(ctx);
    case 'PutObject':
      return putObject(ctx);
    case 'GetObject':
      return getObject(ctx);
    case 'HeadObject':
      return headObject(ctx);
    case 'DeleteObject':
      return deleteObject(ctx);
    case 'PutBucketReplication':
      return putBucketReplication(ctx);
    case 'DeleteBucketReplication':
      return deleteBucketReplication(ctx);
    case 'GetBucketReplication':
      return getBucketReplication(ctx);
    case 'PutBucketRTC':
      return putBucketRtc(ctx);
    case 'GetBucketReplicationLocation':
      return getBucketReplicationLocation(ctx);
    case 'GetBucketReplicationProgress':
      return getBucketReplicationProgress(ctx);
    case 'NotImplemented':
      throw ossError('NotImplemented');
    case 'MethodNotAllowed':
      throw ossError('MethodNotAllowed');
  }
}
