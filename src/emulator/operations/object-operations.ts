/** Object operations: Put/Get/Head/DeleteObject, and the writes the admin API shares with them. */
import { createHash } from 'node:crypto';
import { formatHttpDate } from '../../oss/signer/encoding.js';
import { ossError } from '../errors.js';
import type { ReplicationEngine } from '../replication/replication-engine.js';
import { isValidObjectKey } from '../store/bucket-name.js';
import type { BucketState, EmulatorStore, StoredObject } from '../store/emulator-store.js';
import type { OperationName } from './routing.js';
import {
  requireBucket,
  type OperationContext,
  type OperationHandler,
  type OperationResult,
} from './operation-context.js';

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

export const OBJECT_OPERATIONS = {
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
} satisfies Partial<Record<OperationName, OperationHandler>>;
