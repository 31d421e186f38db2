import type { KeyRing } from '../auth/key-ring.js';
import type { EmulatorClock } from '../emulator-clock.js';
import type { FaultInjector } from '../faults.js';
import type { RegionCatalog } from '../regions.js';
import type { ReplicationEngine } from '../replication/replication-engine.js';
import type { EmulatorStore } from '../store/emulator-store.js';

/** What one running emulator is made of; built once by `startEmulator` from its options. */
export interface EmulatorState {
  readonly store: EmulatorStore;
  readonly engine: ReplicationEngine;
  readonly regions: RegionCatalog;
  /** Region for requests whose host and signature name none. */
  readonly defaultRegion: string;
  readonly keyRing: KeyRing;
  readonly clockSkewSeconds: number | 'off';
  /** The emulator's time (`emulatorClock.now`): replication and every timestamp it reports. */
  readonly clock: () => Date;
  /** The emulator's time and how it is moved; its base clock checks signatures. */
  readonly emulatorClock: EmulatorClock;
  /**
   * Request and replication faults. Always there (the in-process admin pauses and slows rules);
   * the HTTP admin endpoints (`/__emulator/faults`, `/__emulator/clock`) only with `faultsAdmin`.
   */
  readonly faults: FaultInjector;
  /** Fault injection is on: the admin endpoints are served. */
  readonly faultsAdmin: boolean;
  readonly log?: (line: string) => void;
}
