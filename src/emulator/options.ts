import type { RegionSpec } from './regions.js';

export interface EmulatorAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, this is an STS credential: requests must carry this token. */
  securityToken?: string;
  /**
   * The account (owner id) this key belongs to: ListBuckets shows that owner's buckets, and the
   * buckets the key creates are that owner's. Default EMULATOR_OWNER_ID, the owner of every bucket
   * created without one.
   */
  owner?: string;
}

export interface ReplicationTuning {
  /** Objects copied (or deleted) per second, over all rules. Default 50. */
  objectsPerSecond?: number;
  /**
   * Replication timer period in ms. Default 100. `0` = no timer: drive it with
   * `admin.tickReplication()` or by moving the emulator clock (`admin.advanceClock`, `/__emulator/clock`).
   */
  tickMs?: number;
  /** Time a new rule stays `starting` before it turns `doing`. Default 1000. */
  startingMs?: number;
  /** Time a deleted rule stays `closing` before it disappears. Default 2000. */
  closingMs?: number;
  /** Minimum time RTC stays `enabling` (it also waits for historical replication). Default 1000. */
  rtcEnablingMs?: number;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  /** Default: the demo pair (DEMO_ACCESS_KEY). */
  accessKeys?: EmulatorAccessKey[];
  /** Allowed distance between request time and server time; `off` disables the check and presign expiry. Default 900. */
  clockSkewSeconds?: number | 'off';
  /** Region for requests whose host and signature name none. Default cn-hangzhou. */
  defaultRegion?: string;
  /** Default DEFAULT_REGIONS. */
  regions?: RegionSpec[];
  /** Persist buckets, rules and objects here (JSON + object files); in memory when unset. */
  dataDir?: string;
  /** Enables the test admin endpoints `/__emulator/faults` (faults.ts) and `/__emulator/clock`. */
  faults?: boolean;
  replication?: ReplicationTuning;
  /**
   * Base clock, default real time. The emulator's time is this plus however far the clock was moved
   * (emulator-clock.ts); signatures are checked against this one.
   */
  clock?: () => Date;
  /** One line per request (method, path, status, duration, request id); never credentials. */
  logger?: (line: string) => void;
  /** Random source for fault error rates; default Math.random. */
  random?: () => number;
}

/** The demo credentials used when no keys are configured (emulator only, never valid on OSS). */
export const DEMO_ACCESS_KEY: EmulatorAccessKey = {
  accessKeyId: 'LTAIEmulatorDemoKey0001',
  accessKeySecret: 'EmulatorDemoSecretNotForProduction0001',
};
