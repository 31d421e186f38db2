import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_OWNER_ID } from '../operations/operation-context.js';
import type { ReplicationRuleState } from '../replication/rule.js';

export interface StoredObject {
  key: string;
  body: Buffer;
  /** Upper-case hex MD5, without quotes (OSS style). */
  etag: string;
  contentType: string;
  lastModified: Date;
  /** `x-oss-meta-*` headers, names lower-cased without the prefix. */
  userMeta: Record<string, string>;
  /** Written by replication (never replicated further). */
  replica: boolean;
}

export type VersioningStatus = 'Enabled' | 'Suspended';

export interface BucketState {
  name: string;
  region: string;
  createdAt: Date;
  storageClass: string;
  /** The owning account's id (EMULATOR_OWNER_ID unless created by a key of another owner). */
  owner: string;
  versioning?: VersioningStatus;
  objects: Map<string, StoredObject>;
  rules: ReplicationRuleState[];
  /** Sorted keys, rebuilt lazily after a change. */
  sortedKeys?: string[];
}

interface PersistedObject {
  key: string;
  file: string;
  etag: string;
  contentType: string;
  lastModified: string;
  userMeta: Record<string, string>;
  replica: boolean;
}

interface PersistedBucket {
  name: string;
  region: string;
  createdAt: string;
  storageClass: string;
  /** Absent in state files written before buckets had owners: EMULATOR_OWNER_ID. */
  owner?: string;
  versioning?: VersioningStatus;
  rules: ReplicationRuleState[];
  objects: PersistedObject[];
}

interface PersistedState {
  version: 1;
  buckets: PersistedBucket[];
}

const STATE_FILE = 'state.json';

function objectFileName(bucket: string, key: string): string {
  return createHash('sha256').update(`${bucket}\u0000${key}`).digest('hex');
}

/**
 * Buckets and objects, in memory, optionally persisted to `dataDir`: `state.json` (buckets, rules,
 * object metadata) and `objects/<sha256(bucket, key)>` (bodies). Object files are written when the
 * object is; the state file is written after a short delay (and on `flush()`).
 */
export class EmulatorStore {
  private readonly buckets = new Map<string, BucketState>();
  private saveTimer: NodeJS.Timeout | undefined;
  private saveError: unknown;

  constructor(private readonly dataDir?: string) {
    if (dataDir) {
      mkdirSync(join(dataDir, 'objects'), { recursive: true });
      this.load();
    }
  }

  get persistent(): boolean {
    return this.dataDir !== undefined;
  }

  getBucket(name: string): BucketState | undefined {
    return this.buckets.get(name);
  }

  listBuckets(): BucketState[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  createBucket(
    name: string,
    region: string,
    createdAt: Date,
    storageClass = 'Standard',
    owner = EMULATOR_OWNER_ID,
  ): BucketState {
    const bucket: BucketState = {
      name,
      region,
      createdAt,
      storageClass,
      owner,
      objects: new Map(),
      rules: [],
    };
    this.buckets.set(name, bucket);
    this.changed();
    return bucket;
  }

  deleteBucket(name: string): void {
    this.buckets.delete(name);
    this.changed();
  }

  putObject(bucket: BucketState, obj: StoredObject): void {
    const existed = bucket.objects.has(obj.key);
    bucket.objects.set(obj.key, obj);
    if (!existed) {
      bucket.sortedKeys = undefined;
    }
    if (this.dataDir) {
      writeFileSync(join(this.dataDir, 'objects', objectFileName(bucket.name, obj.key)), obj.body);
    }
    this.changed();
  }

  deleteObject(bucket: BucketState, key: string): boolean {
    const existed = bucket.objects.delete(key);
    if (existed) {
      bucket.sortedKeys = undefined;
      if (this.dataDir) {
        rmSync(join(this.dataDir, 'objects', objectFileName(bucket.name, key)), { force: true });
      }
      this.changed();
    }
    return existed;
  }

  sortedKeys(bucket: BucketState): string[] {
    if (!bucket.sortedKeys) {
      bucket.sortedKeys = [...bucket.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    return bucket.sortedKeys;
  }

  /** Marks the state as changed (rules and versioning are mutated in place by their owners). */
  changed(): void {
    if (!this.dataDir || this.saveTimer) {
      return;
    }
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.writeState();
      } catch (err) {
        // Reported by the next flush(); a timer must not crash the process.
        this.saveError = err;
      }
    }, 50);
    this.saveTimer.unref();
  }

  /** Writes pending state now and stops the save timer. */
  flush(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (this.dataDir) {
      this.saveError = undefined;
      this.writeState();
    }
  }

  /** The error of the last background save, if it failed. */
  get lastSaveError(): unknown {
    return this.saveError;
  }

  private writeState(): void {
    const dir = this.dataDir!;
    const state: PersistedState = {
      version: 1,
      buckets: [...this.buckets.values()].map((b) => ({
        name: b.name,
        region: b.region,
        createdAt: b.createdAt.toISOString(),
        storageClass: b.storageClass,
        ...(b.owner !== EMULATOR_OWNER_ID ? { owner: b.owner } : {}),
        ...(b.versioning ? { versioning: b.versioning } : {}),
        rules: b.rules,
        objects: [...b.objects.values()].map((o) => ({
          key: o.key,
          file: objectFileName(b.name, o.key),
          etag: o.etag,
          contentType: o.contentType,
          lastModified: o.lastModified.toISOString(),
          userMeta: o.userMeta,
          replica: o.replica,
        })),
      })),
    };
    const tmp = join(dir, `${STATE_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, join(dir, STATE_FILE));
  }

  private load(): void {
    const dir = this.dataDir!;
    const file = join(dir, STATE_FILE);
    if (!existsSync(file)) {
      return;
    }
    const state = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
    if (state.version !== 1 || !Array.isArray(state.buckets)) {
      throw new Error(`${file}: unsupported emulator state format`);
    }
    for (const b of state.buckets) {
      const bucket: BucketState = {
        name: b.name,
        region: b.region,
        createdAt: new Date(b.createdAt),
        storageClass: b.storageClass,
        owner: b.owner ?? EMULATOR_OWNER_ID,
        objects: new Map(),
        rules: b.rules,
        ...(b.versioning ? { versioning: b.versioning } : {}),
      };
      for (const o of b.objects) {
        const path = join(dir, 'objects', o.file);
        if (!existsSync(path)) {
          continue;
        }
        bucket.objects.set(o.key, {
          key: o.key,
          body: readFileSync(path),
          etag: o.etag,
          contentType: o.contentType,
          lastModified: new Date(o.lastModified),
          userMeta: o.userMeta,
          replica: o.replica,
        });
      }
      this.buckets.set(b.name, bucket);
    }
  }
}
