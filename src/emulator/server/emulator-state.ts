import type { KeyRing } from '../auth/key-ring.js';
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
  readonly clock: () => Date;
  /** Set when fault injection is on. */
  readonly faults?: FaultInjector;
  readonly log?: (line: string) => void;
}
