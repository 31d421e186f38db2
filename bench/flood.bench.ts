import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPrincipalsYaml } from '../src/embedded/demo-principals.js';
import type { ChildMessage } from './gateway/messages.js';
import { forkServer, type ServerProcess, spawnGateway } from './gateway/processes.js';

/**
 * An authenticated caller's `GET /v1/me` throughput alone and while unauthenticated connections post
 * 1 MiB bodies (issue 12: a request without valid credentials must cost the gateway little, its body
 * never read). The gateway, the emulator and the flood run as processes of their own, the caller's
 * load from this one, in interleaved rounds; the ratio of the medians is reported.
 */

/** One line of the flood table (the shape bench/run.ts prints). */
export interface FloodBenchResult {
  name: string;
  opsPerSec: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
}

export interface FloodBenchOptions {
  /** Timed phase per measurement (default 5 s). */
  durationSec?: number;
  /** Rounds of alone-then-flooded (default 3); the medians are reported. */
  rounds?: number;
  /** Connections of the authenticated caller (default 10). */
  callerConnections?: number;
  /** Connections posting the unauthenticated bodies (default 20). */
  floodConnections?: number;
  /** Size of each unauthenticated body (default 1 MiB, the gateway's body limit). */
  floodBodyBytes?: number;
  log?: (line: string) => void;
}

/** `BENCH_QUICK=1` (a smoke run: short phases, one round) and `BENCH_*` overrides of the defaults. */
export function floodBenchOptionsFromEnv(env: Record<string, string | undefined>): FloodBenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const num = (name: string, fallback: number): number => {
    const value = env[name];
    return value !== undefined && value !== '' && Number.isFinite(Number(value)) ? Number(value) : fallback;
  };
  return {
    durationSec: num('BENCH_DURATION_SEC', quick ? 1 : 5),
    rounds: num('BENCH_ROUNDS', quick ? 1 : 3),
    callerConnections: num('BENCH_CONNECTIONS', quick ? 2 : 10),
    floodConnections: num('BENCH_FLOOD_CONNECTIONS', 20),
  };
}

interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

// autocannon ships no type declarations; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ADMIN_KEY = 'demo-admin-key';
const ONE_MIB = 1024 * 1024;
/** Where the flood posts: a real route that reads a JSON body. */
const FLOOD_PATH = '/v1/buckets/demo-source/replication/rules';
/** Out of the way, so the bench measures body handling and not the rate limiter. */
const NO_RATE_LIMITS = 'read=1000000/s,write=1000000/s,simulate=1000000/s,anonymous=1000000/s';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the flooder process reports: its answers by status code, and connection errors. */
interface FloodReport {
  duration: number;
  errors: number;
  answers: Record<string, number>;
}

/** Runs the flood in its own process (bench/gateway/flooder.process.ts) and resolves with its report. */
function startFlood(env: Record<string, string>): Promise<FloodReport> {
  const child = fork(new URL('./gateway/flooder.process.js', import.meta.url), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (report: FloodReport) => resolve(report));
    child.once('exit', (code) => reject(new Error(`the flooder exited (${code}) without a report`)));
  });
}

function floodStatuses(report: FloodReport): string {
  const codes = Object.entries(report.answers).map(([code, n]) => `${code}×${n}`);
  return [...codes, ...(report.errors ? [`errors×${report.errors}`] : [])].join(' ') || 'none';
}

function statuses(result: AutocannonResult): string {
  const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}×${s.count}`);
  return [...codes, ...(result.errors ? [`errors×${result.errors}`] : [])].join(' ') || 'none';
}

export async function runFloodBench(options: FloodBenchOptions = {}): Promise<FloodBenchResult[]> {
  const duration = options.durationSec ?? 5;
  const rounds = Math.max(1, options.rounds ?? 3);
  const callerConnections = options.callerConnections ?? 10;
  const floodConnections = options.floodConnections ?? 20;
  const bodyBytes = options.floodBodyBytes ?? ONE_MIB;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const dataDir = await mkdtemp(join(tmpdir(), 'flood-bench-'));
  const servers: ServerProcess[] = [];
  try {
    const emulator = await forkServer(
      'emulator',
      new URL('./gateway/emulator.process.js', import.meta.url),
      {},
    );
    servers.push(emulator);
    const credentials = (emulator.ready as Extract<ChildMessage, { type: 'ready' }>).credentials!;
    const principalsFile = join(dataDir, 'principals.yaml');
    await writeFile(principalsFile, demoPrincipalsYaml());
    const gateway = await spawnGateway(new URL('../src/main.js', import.meta.url), {
      LOG_LEVEL: 'warn',
      DATABASE_URL: `sqlite:${join(dataDir, 'gateway.db')}`,
      GATEWAY_PRINCIPALS_FILE: principalsFile,
      GATEWAY_RATE_LIMITS: NO_RATE_LIMITS,
      OSS_ENDPOINT: emulator.url,
      OSS_ADDRESSING: 'path',
      OSS_REGION: 'cn-hangzhou',
      OSS_ACCESS_KEY_ID: credentials.accessKeyId,
      OSS_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    });
    servers.push(gateway);

    const me = await fetch(`${gateway.url}/v1/me`, { headers: { 'x-api-key': ADMIN_KEY } });
    if (me.status !== 200) {
      throw new Error(`GET /v1/me answered ${me.status}: ${(await me.text()).slice(0, 300)}`);
    }
    const caller = () =>
      autocannon({
        url: `${gateway.url}/v1/me`,
        headers: { 'x-api-key': ADMIN_KEY },
        connections: callerConnections,
        duration,
      });

    log(
      `  GET /v1/me on ${callerConnections} connection(s), ${duration} s, alone and beside ` +
        `${floodConnections} connections posting ${bodyBytes} B without a key, ${rounds} round(s)`,
    );
    const alone: number[] = [];
    const flooded: number[] = [];
    const floodRates: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      await sleep(300);
      const quiet = await caller();
      alone.push(quiet['2xx'] / quiet.duration);

      await sleep(300);
      // The flood starts first and runs past the caller's window, so the whole window is flooded.
      const flood = startFlood({
        FLOOD_URL: `${gateway.url}${FLOOD_PATH}`,
        FLOOD_BYTES: String(bodyBytes),
        FLOOD_CONNECTIONS: String(floodConnections),
        FLOOD_DURATION_SEC: String(duration + 2),
      });
      await sleep(1_000);
      const busy = await caller();
      const floodResult = await flood;
      flooded.push(busy['2xx'] / busy.duration);
      const answered = Object.values(floodResult.answers).reduce((a, b) => a + b, 0);
      floodRates.push(answered / floodResult.duration);
      log(
        `  round ${round + 1}/${rounds}: alone ${Math.round(alone[round])} req/s (${statuses(quiet)}), ` +
          `flooded ${Math.round(flooded[round])} req/s (${statuses(busy)}); ` +
          `flood answers: ${floodStatuses(floodResult)}`,
      );
    }

    const size = bodyBytes % ONE_MIB === 0 ? `${bodyBytes / ONE_MIB} MiB` : `${bodyBytes} B`;
    const aloneOps = median(alone);
    const floodedOps = median(flooded);
    return [
      { name: 'GET /v1/me alone', opsPerSec: aloneOps },
      {
        name: `GET /v1/me during ${floodConnections}×${size} unauthenticated POSTs`,
        opsPerSec: floodedOps,
        baseline: 'alone',
        baselineOpsPerSec: aloneOps,
        ratio: floodedOps / aloneOps,
      },
      { name: `unauthenticated ${size} POSTs answered`, opsPerSec: median(floodRates) },
    ];
  } finally {
    for (const server of servers.reverse()) {
      await server.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
