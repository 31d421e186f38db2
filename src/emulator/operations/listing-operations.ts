/** Object listing: ListObjects (V1, marker) and ListObjectsV2 (continuation token). */
import { ossError } from '../errors.js';
import type { BucketState, EmulatorStore, StoredObject } from '../store/emulator-store.js';
import { el, type XmlNode } from '../xml.js';
import type { OperationName } from './routing.js';
import {
  owner,
  queryInt,
  queryStr,
  requireBucket,
  xml,
  type OperationContext,
  type OperationHandler,
  type OperationResult,
} from './operation-context.js';

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

export const LISTING_OPERATIONS = {
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
} satisfies Partial<Record<OperationName, OperationHandler>>;
