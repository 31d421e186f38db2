/** Service and bucket operations: ListBuckets, Put/DeleteBucket, location, info and versioning. */
import { ossError } from '../errors.js';
import { toLocation } from '../regions.js';
import { parseRoot } from '../replication/replication-xml.js';
import type { EmulatorStore } from '../store/emulator-store.js';
import { childText, el } from '../xml.js';
import type { OperationName } from './routing.js';
import {
  EMULATOR_OWNER_ID,
  endpoint,
  owner,
  queryInt,
  queryStr,
  requireBucket,
  xml,
  type OperationContext,
  type OperationHandler,
  type OperationResult,
} from './operation-context.js';

function listBuckets(ctx: OperationContext): OperationResult {
  const prefix = queryStr(ctx, 'prefix');
  const marker = queryStr(ctx, 'marker');
  const maxKeys = queryInt(ctx, 'max-keys', 100, 1, 1000);
  const caller = ctx.owner ?? EMULATOR_OWNER_ID;
  // The caller's account's buckets only, as OSS lists them.
  const all = ctx.store
    .listBuckets()
    .filter((b) => b.owner === caller && b.name.startsWith(prefix) && b.name > marker);
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
      owner(caller),
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
  ctx.store.createBucket(name, ctx.region, ctx.clock(), storageClass, ctx.owner ?? EMULATOR_OWNER_ID);
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
        owner(b.owner),
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

export const BUCKET_OPERATIONS = {
  ListBuckets: listBuckets,
  PutBucket: putBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketInfo: getBucketInfo,
  PutBucketVersioning: putBucketVersioning,
  GetBucketVersioning: getBucketVersioning,
} satisfies Partial<Record<OperationName, OperationHandler>>;
