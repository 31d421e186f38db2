import { ossError } from '../errors.js';
import { removeObject, writeObject } from '../operations/object-operations.js';
import type { ReplicationRuleState } from '../replication/rule.js';
import { isValidBucketName } from '../store/bucket-name.js';
import type { BucketState } from '../store/emulator-store.js';
import type { EmulatorState } from './emulator-state.js';

export interface ReplicationRuleView {
  id: string;
  status: ReplicationRuleState['status'];
  prefixes: string[];
  action: 'ALL' | 'PUT';
  destination: { bucket: string; location: string; transferType: string };
  historicalObjectReplication: boolean;
  rtc?: string;
  pendingObjects: number;
  historicalTotal: number;
  historicalDone: number;
}

export interface EmulatorAdmin {
  /** Creates a bucket directly (no signature). Throws OssError on an invalid or taken name or unknown region. */
  createBucket(name: string, region: string, opts?: { versioning?: boolean; owner?: string }): void;
  /** Writes an object as a client would (replication picks it up). */
  putObject(bucket: string, key: string, body: Buffer | string, contentType?: string): void;
  deleteObject(bucket: string, key: string): void;
  listObjects(bucket: string): Array<{ key: string; size: number; etag: string }>;
  getObject(bucket: string, key: string): Buffer | undefined;
  getRules(bucket: string): ReplicationRuleView[];
  /** Applies due rule transitions and performs up to `maxObjects` replication steps now. */
  tickReplication(maxObjects?: number): number;
  /** Applies due transitions and performs every pending replication step of `doing` rules. */
  flushReplication(): number;
}

/** The in-process admin API of a running emulator (tests, seeding): no HTTP, no signatures. */
export function createAdmin(state: EmulatorState): EmulatorAdmin {
  const { store, engine, regions, clock } = state;

  function adminBucket(name: string): BucketState {
    const bucket = store.getBucket(name);
    if (!bucket) {
      throw ossError('NoSuchBucket', { BucketName: name });
    }
    return bucket;
  }

  return {
    createBucket(name, region, o) {
      if (!isValidBucketName(name)) {
        throw ossError('InvalidBucketName', { BucketName: name });
      }
      const id = region.startsWith('oss-') ? region.slice(4) : region;
      if (!regions.has(id)) {
        throw ossError('InvalidLocationConstraint', { Location: region });
      }
      if (store.getBucket(name)) {
        throw ossError('BucketAlreadyExists', { BucketName: name });
      }
      const bucket = store.createBucket(name, id, clock(), 'Standard', o?.owner);
      if (o?.versioning) {
        bucket.versioning = 'Enabled';
      }
    },
    putObject(bucketName, key, body, contentType) {
      const bucket = adminBucket(bucketName);
      writeObject(
        store,
        engine,
        bucket,
        key,
        typeof body === 'string' ? Buffer.from(body) : body,
        contentType ?? 'application/octet-stream',
        {},
        clock(),
      );
    },
    deleteObject(bucketName, key) {
      removeObject(store, engine, adminBucket(bucketName), key);
    },
    listObjects(bucketName) {
      const bucket = adminBucket(bucketName);
      return store.sortedKeys(bucket).map((key) => {
        const o = bucket.objects.get(key)!;
        return { key, size: o.body.length, etag: o.etag };
      });
    },
    getObject(bucketName, key) {
      return adminBucket(bucketName).objects.get(key)?.body;
    },
    getRules(bucketName) {
      return adminBucket(bucketName).rules.map((r) => {
        const view: ReplicationRuleView = {
          id: r.id,
          status: r.status,
          prefixes: [...r.prefixes],
          action: r.action,
          destination: { ...r.destination },
          historicalObjectReplication: r.historicalObjectReplication,
          pendingObjects: r.newQueue.length + r.historicalQueue.length,
          historicalTotal: r.historicalTotal,
          historicalDone: r.historicalDone,
        };
        if (r.rtc !== undefined) {
          view.rtc = r.rtc;
        }
        return view;
      });
    },
    tickReplication(maxObjects) {
      return engine.tick(maxObjects);
    },
    flushReplication() {
      return engine.flush();
    },
  };
}
