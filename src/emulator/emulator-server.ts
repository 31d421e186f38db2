import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyRing } from './auth/key-ring.js';
import { EmulatorClock } from './emulator-clock.js';
import { FaultInjector } from './faults.js';
import { DEMO_ACCESS_KEY, type EmulatorAccessKey, type EmulatorOptions } from './options.js';
import { DEFAULT_REGIONS, RegionCatalog, type RegionSpec } from './regions.js';
import { ReplicationEngine } from './replication/replication-engine.js';
import { createAdmin, type EmulatorAdmin } from './server/admin.js';
import type { EmulatorState } from './server/emulator-state.js';
import { createRequestHandler } from './server/request-handler.js';
import { EmulatorStore } from './store/emulator-store.js';

export type { EmulatorOptions, EmulatorAccessKey } from './options.js';
export type { RegionSpec } from './regions.js';
export type { EmulatorAdmin, ReplicationRuleView } from './server/admin.js';
export type { ClockMoved, ClockView } from './server/clock-admin.js';
export { ClockMoveError } from './emulator-clock.js';
export { FaultSpecError } from './faults.js';
export type { ReplicationControl } from './replication/replication-control.js';
export { MAX_BODY_BYTES } from './server/exchange.js';
export { FAULTS_PATH } from './server/faults-admin.js';
export { CLOCK_PATH } from './server/clock-admin.js';

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  host: string;
  port: number;
  accessKeys: EmulatorAccessKey[];
  regions: RegionSpec[];
  defaultRegion: string;
  admin: EmulatorAdmin;
  /** Set when fault injection is on. */
  faults?: FaultInjector;
  close(): Promise<void>;
}

/** The emulator's parts from its options; throws for an empty region list or an unknown default region. */
function buildState(
  opts: EmulatorOptions,
  regionList: RegionSpec[],
  accessKeys: EmulatorAccessKey[],
): EmulatorState {
  if (regionList.length === 0) {
    throw new Error('the emulator needs at least one region');
  }
  const emulatorClock = new EmulatorClock(opts.clock ?? (() => new Date()));
  const clock = emulatorClock.now;
  const regions = new RegionCatalog(regionList);
  const defaultRegion = opts.defaultRegion ?? (regions.has('cn-hangzhou') ? 'cn-hangzhou' : regionList[0].id);
  if (!regions.has(defaultRegion)) {
    throw new Error(`default region ${defaultRegion} is not one of the configured regions`);
  }
  const store = new EmulatorStore(opts.dataDir);
  const engine = new ReplicationEngine(store, regions, clock, opts.replication);
  const faults = new FaultInjector(opts.random, engine);
  engine.onRuleRemoved((bucket, ruleId) => faults.ruleRemoved(bucket, ruleId));
  return {
    store,
    engine,
    regions,
    defaultRegion,
    keyRing: new KeyRing(accessKeys),
    clockSkewSeconds: opts.clockSkewSeconds ?? 900,
    clock,
    emulatorClock,
    faults,
    faultsAdmin: opts.faults === true,
    ...(opts.logger ? { log: opts.logger } : {}),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts an OSS emulator on `host:port` (defaults 127.0.0.1 and a random port). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const regionList = opts.regions ?? [...DEFAULT_REGIONS];
  const accessKeys = opts.accessKeys && opts.accessKeys.length > 0 ? opts.accessKeys : [DEMO_ACCESS_KEY];
  const state = buildState(opts, regionList, accessKeys);
  const handle = createRequestHandler(state);
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    void handle(req, res);
  });
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 0, host);
  state.engine.start();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closed = false;
  const emulator: Emulator = {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    accessKeys: accessKeys.map((k) => ({ ...k })),
    regions: regionList.map((r) => ({ ...r })),
    defaultRegion: state.defaultRegion,
    admin: createAdmin(state),
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      state.engine.stop();
      state.store.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  if (state.faultsAdmin) {
    emulator.faults = state.faults;
  }
  return emulator;
}
