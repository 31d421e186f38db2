import { ossError } from '../errors.js';
import { type AddedFault, parseFaultSpec } from '../faults.js';
import { removeObject, writeObject } from '../operations/object-operations.js';
import type { ReplicationControl } from '../replication/replication-control.js';
import type { ReplicationRuleState } from '../replication/rule.js';
import { isValidBucketName } from '../store/bucket-name.js';
import type { BucketState } from '../store/emulator-store.js';
import { parseClockMove } from '../emulator-clock.js';
import { type ClockMoved, moveClock } from './clock-admin.js';
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
  /** The replication fault on the rule (pause or slow), if any. */
  control?: ReplicationControl;
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
  /** Applies due transitions and performs every pending replication step of `doing` rules not paused, ignoring rates. */
  flushReplication(): number;
  /**
   * Pauses one rule (a stalled rule: nothing copied, historical fraction and watermark frozen), as
   * `POST /__emulator/faults {"replication": {…, "mode": "pause"}}` does; listed among the faults.
   * @throws FaultSpecError naming `replication.bucket` / `replication.ruleId` when they do not exist.
   */
  pauseReplication(bucket: string, ruleId: string): AddedFault;
  /**
   * Slows one rule to `factor` (0 < factor < 1, default 0.1) of the emulator's rate; its watermark
   * advances at `factor` of the clock's rate. @throws FaultSpecError naming the bad field.
   */
  slowReplication(bucket: string, ruleId: string, factor?: number): AddedFault;
  /** Removes the rule's replication fault (false when it had none): it replicates normally again. */
  resumeReplication(bucket: string, ruleId: string): boolean;
  /** The emulator's time. */
  now(): Date;
  /**
   * Moves the emulator clock forward and replicates what that time allows, as
   * `POST /__emulator/clock {"advanceMs": ms}` does. @throws ClockMoveError (`advanceMs`) for ms < 0.
   */
  advanceClock(ms: number): ClockMoved;
  /** Sets the emulator clock to `to`, never backwards. @throws ClockMoveError (`set`) for a past time. */
  setClock(to: Date | string): ClockMoved;
}

/** The in-process admin API of a running emulator (tests, seeding): no HTTP, no signatures. */
export function createAdmin(state: EmulatorState): EmulatorAdmin {
  const { store, engine, regions, clock, faults, emulatorClock } = state;
  const control = (bucket: string, ruleId: string, c: Record<string, unknown>): AddedFault =>
    faults.add(parseFaultSpec({ replication: { bucket, ruleId, ...c } }));

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
        const c = engine.controlOf(r);
        if (c !== undefined) {
          view.control = c;
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
    pauseReplication(bucket, ruleId) {
      return control(bucket, ruleId, { mode: 'pause' });
    },
    slowReplication(bucket, ruleId, factor) {
      return control(bucket, ruleId, factor === undefined ? { mode: 'slow' } : { mode: 'slow', factor });
    },
    resumeReplication(bucket, ruleId) {
      const fault = faults.replicationFault(bucket, ruleId);
      return fault !== undefined && faults.remove(fault.id);
    },
    now() {
      return clock();
    },
    advanceClock(ms) {
      return moveClock(emulatorClock, engine, { advanceMs: ms });
    },
    setClock(to) {
      const at = typeof to === 'string' ? parseClockMove({ set: to }) : { set: to };
      return moveClock(emulatorClock, engine, at);
    },
  };
}
