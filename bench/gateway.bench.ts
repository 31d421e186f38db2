import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import type { OssCredentialsConfig } from '../src/config/app.config.js';
import { DEMO_RULE } from '../src/emulator/demo-seed.js';
import { demoPrincipalsYaml } from '../src/embedded/demo-principals.js';
import { encodeQuery } from '../src/oss/endpoint.js';
import { GetBucketReplication } from '../src/oss/operations/bucket-replication.js';
import { GetBucketReplicationProgress } from '../src/oss/operations/bucket-replication-progress.js';
import type { HttpRequestSpec } from '../src/oss/operations/operation.js';
import { presignV4 } from '../src/oss/signer/v4.js';
import type { ChildMessage } from './gateway/messages.js';
import { type ForkedServer, forkServer, type ServerProcess, spawnGateway } from './gateway/processes.js';

/** One line of the gateway table (the shape bench/run.ts prints). */
export interface GatewayBenchResult {
  name: string;
  /** Throughput at concurrency `connections`: the median of the rounds. */
  opsPerSec: number;
  /** Latency at concurrency 1 over every sequential request of every round. */
  p50Us: number;
  p99Us: number;
  /** p50 at c=1 minus the forwarder's for the same OSS operation (gateway rows). */
  addedP50OverForwarderUs?: number;
  /** p50 at c=1 minus the emulator's, called directly with a pre-signed request (gateway and forwarder rows). */
  addedP50OverFloorUs?: number;
  /** CPU time of the serving process per request at concurrency `connections`: the median of the rounds. */
  cpuUsPerRequest: number;
  /** CPU per request minus the forwarder's (gateway rows). */
  addedCpuOverForwarderUs?: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  /** opsPerSec / the forwarder's, for the same OSS operation. */
  ratio?: number;
}

/** OSS calls one mutation made (the emulator's count of the requests it served, per operation). */
export interface MutationCalls {
  mutation: string;
  calls: Record<string, number>;
  total: number;
}

export interface GatewayBenchOptions {
  /** Sequential requests per target at concurrency 1, over all rounds (default 2,000). */
  sequentialRequests?: number;
  /** Timed phase per target and round at concurrency `connections` (default 3 s). */
  durationSec?: number;
  /** Warm-up per target before its first measurement, not measured (default 1 s; also 200 sequential requests). */
  warmupSec?: number;
  /**
   * Rounds (default 5). Each round measures every target in turn, so background load on the machine
   * hits all of them alike; the medians of the rounds are reported.
   */
  rounds?: number;
  /** Concurrent connections of the throughput phase (default 50). */
  connections?: number;
  /** The gateway's LOG_LEVEL (default `info`, as `npm start` runs it: one access-log line per request). */
  logLevel?: string;
  log?: (line: string) => void;
  /** Receives the OSS calls per mutation (default: printed through `log`). */
  onMutationCalls?: (calls: MutationCalls[]) => void;
}

/** `BENCH_QUICK=1` (a smoke run: tiny counts) and `BENCH_*` overrides of the defaults. */
const UNLIMITED_RATE_LIMITS = 'read=1000000/s,write=1000000/s,simulate=1000000/s,anonymous=1000000/s';

export function gatewayBenchOptionsFromEnv(env: Record<string, string | undefined>): GatewayBenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const num = (name: string, fallback: number): number => {
    const value = env[name];
    return value !== undefined && value !== '' && Number.isFinite(Number(value)) ? Number(value) : fallback;
  };
  return {
    sequentialRequests: num('BENCH_SEQUENTIAL_REQUESTS', quick ? 40 : 2000),
    durationSec: num('BENCH_DURATION_SEC', quick ? 1 : 3),
    warmupSec: num('BENCH_WARMUP_SEC', quick ? 0 : 1),
    rounds: num('BENCH_ROUNDS', quick ? 1 : 5),
    connections: num('BENCH_CONNECTIONS', quick ? 4 : 50),
    ...(env.BENCH_LOG_LEVEL ? { logLevel: env.BENCH_LOG_LEVEL } : {}),
  };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

// autocannon ships no type declarations; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const ADMIN_KEY = 'demo-admin-key';
const BUCKET = 'demo-source';
const RULE_ID = DEMO_RULE.id;
export const GRAPHQL_QUERY =
  '{ replicationRules(bucket: "demo-source") { id status prefixes action historicalObjectReplication destination { bucket location transferType } rtc { enabled status } } }';
/** The dry-run create: a rule demo-source → demo-archive (no overlap with the demo rule's prefixes). */
const DRY_RUN_RULE = {
  id: 'bench-dry-run',
  prefixes: ['reports/'],
  destination: { bucket: 'demo-archive', location: 'oss-cn-shanghai' },
};

type Upstream = 'GetBucketReplication' | 'GetBucketReplicationProgress';
type Kind = 'floor' | 'forwarder' | 'gateway';

interface Target {
  name: string;
  kind: Kind;
  /** The OSS operation behind it: which forwarder and floor it is compared with. */
  upstream: Upstream;
  server: ServerProcess;
  /** Path and query on `server.url`. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Checks one response before measuring, so a broken target never yields a number. */
  check(status: number, body: string): void;
}

interface Measured {
  latenciesUs: number[];
  opsPerSec: number[];
  cpuUsPerRequest: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function expectStatus(status: number, body: string, expected: number, where: string): void {
  if (status !== expected) {
    throw new Error(`${where} answered ${status}: ${body.slice(0, 300)}`);
  }
}

function expectRules(where: string): Target['check'] {
  return (status, body) => {
    expectStatus(status, body, 200, where);
    if (!body.includes(RULE_ID) || body.includes('"errors"')) {
      throw new Error(`${where} did not list the demo rule: ${body.slice(0, 300)}`);
    }
  };
}

function expectProgress(where: string): Target['check'] {
  return (status, body) => {
    expectStatus(status, body, 200, where);
    if (!body.includes(RULE_ID) || !/HistoricalObject|historicalObjectProgress/.test(body)) {
      throw new Error(`${where} did not report the demo rule's progress: ${body.slice(0, 300)}`);
    }
  };
}

/** A request signed once, up front, in its query (V4 presign): what the emulator floor replays. */
function presignedPath(spec: HttpRequestSpec, credentials: OssCredentialsConfig, host: string): string {
  const req = { method: spec.method, bucket: spec.bucket, query: [...spec.query], headers: { host } };
  presignV4(req, { credentials, region: 'cn-hangzhou', now: new Date(), expiresSeconds: 86_400 });
  return `/${spec.bucket}/?${encodeQuery(req.query)}`;
}

/** `count` sequential requests over one keep-alive connection; the latency of each, in µs. */
async function sequential(client: Client, target: Target, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    const res = await client.request({
      path: target.path,
      method: target.method,
      headers: target.headers,
      ...(target.body !== undefined ? { body: target.body } : {}),
    });
    const text = await res.body.text();
    out.push(Number(process.hrtime.bigint() - started) / 1000);
    if (res.statusCode >= 300) {
      target.check(res.statusCode, text);
    }
  }
  return out;
}

function load(target: Target, connections: number, duration: number): Promise<AutocannonResult> {
  return autocannon({
    url: `${target.server.url}${target.path}`,
    method: target.method,
    headers: target.headers,
    ...(target.body !== undefined ? { body: target.body } : {}),
    connections,
    duration,
  });
}

async function probe(target: Target): Promise<void> {
  const res = await fetch(`${target.server.url}${target.path}`, {
    method: target.method,
    headers: target.headers,
    ...(target.body !== undefined ? { body: target.body } : {}),
  });
  target.check(res.status, await res.text());
}

/** Rotates the order each round, so no target always runs right after the same one. */
function rotated<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * The gateway, the minimal forwarder and the OSS emulator, each in its own process, measured the way
 * users feel them: for REST `GET …/rules`, REST `GET …/progress`, GraphQL `replicationRules` and a
 * REST dry-run create, beside the forwarder and the emulator called directly with a pre-signed
 * request (the floor for this upstream) — latency at concurrency 1, CPU per request of the serving
 * process (`/proc/<pid>/stat`) and throughput at concurrency 50, in interleaved rounds.
 */
export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult[]> {
  const rounds = Math.max(1, options.rounds ?? 5);
  const perRound = Math.max(1, Math.ceil((options.sequentialRequests ?? 2000) / rounds));
  const duration = options.durationSec ?? 3;
  const warmup = options.warmupSec ?? 1;
  const connections = options.connections ?? 50;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  const servers: ServerProcess[] = [];
  const clients: Client[] = [];
  try {
    const emulator = await forkServer(
      'emulator',
      new URL('./gateway/emulator.process.js', import.meta.url),
      {},
    );
    servers.push(emulator);
    const credentials = (emulator.ready as Extract<ChildMessage, { type: 'ready' }>).credentials!;
    const forwarder = await forkServer(
      'forwarder',
      new URL('./gateway/forwarder.process.js', import.meta.url),
      {
        FORWARDER_EMULATOR_URL: emulator.url,
        FORWARDER_CREDENTIALS: JSON.stringify(credentials),
      },
    );
    servers.push(forwarder);
    const principalsFile = join(dataDir, 'principals.yaml');
    await writeFile(principalsFile, demoPrincipalsYaml());
    const gateway = await spawnGateway(new URL('../src/main.js', import.meta.url), {
      LOG_LEVEL: options.logLevel ?? 'info',
      DATABASE_URL: `sqlite:${join(dataDir, 'gateway.db')}`,
      GATEWAY_PRINCIPALS_FILE: principalsFile,
      // The bench measures the gateway's own cost, not its limits: one bucket per class, never empty.
      GATEWAY_RATE_LIMITS: UNLIMITED_RATE_LIMITS,
      OSS_ENDPOINT: emulator.url,
      OSS_ADDRESSING: 'path',
      OSS_REGION: 'cn-hangzhou',
      OSS_ACCESS_KEY_ID: credentials.accessKeyId,
      OSS_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    });
    servers.push(gateway);

    const host = new URL(emulator.url).host;
    const admin = { 'x-api-key': ADMIN_KEY };
    const targets: Target[] = [
      {
        name: 'emulator floor GetBucketReplication (pre-signed)',
        kind: 'floor',
        upstream: 'GetBucketReplication',
        server: emulator,
        path: presignedPath(GetBucketReplication.serialize({ bucket: BUCKET }), credentials, host),
        method: 'GET',
        headers: {},
        check: (s, b) => expectStatus(s, b, 200, 'the emulator (GetBucketReplication)'),
      },
      {
        name: 'emulator floor GetBucketReplicationProgress (pre-signed)',
        kind: 'floor',
        upstream: 'GetBucketReplicationProgress',
        server: emulator,
        path: presignedPath(
          GetBucketReplicationProgress.serialize({ bucket: BUCKET, ruleId: RULE_ID }),
          credentials,
          host,
        ),
        method: 'GET',
        headers: {},
        check: (s, b) => expectStatus(s, b, 200, 'the emulator (GetBucketReplicationProgress)'),
      },
      {
        name: 'minimal forwarder GET …/rules',
        kind: 'forwarder',
        upstream: 'GetBucketReplication',
        server: forwarder,
        path: `/v1/buckets/${BUCKET}/replication/rules`,
        method: 'GET',
        headers: {},
        check: expectRules('the forwarder (rules)'),
      },
      {
        name: 'minimal forwarder GET …/progress',
        kind: 'forwarder',
        upstream: 'GetBucketReplicationProgress',
        server: forwarder,
        path: `/v1/buckets/${BUCKET}/replication/rules/${RULE_ID}/progress`,
        method: 'GET',
        headers: {},
        check: expectProgress('the forwarder (progress)'),
      },
      {
        name: 'gateway REST GET …/rules',
        kind: 'gateway',
        upstream: 'GetBucketReplication',
        server: gateway,
        path: `/v1/buckets/${BUCKET}/replication/rules`,
        method: 'GET',
        headers: admin,
        check: expectRules('REST rules'),
      },
      {
        name: 'gateway REST GET …/progress',
        kind: 'gateway',
        upstream: 'GetBucketReplicationProgress',
        server: gateway,
        path: `/v1/buckets/${BUCKET}/replication/rules/${RULE_ID}/progress`,
        method: 'GET',
        headers: admin,
        check: expectProgress('REST progress'),
      },
      {
        name: 'gateway GraphQL replicationRules',
        kind: 'gateway',
        upstream: 'GetBucketReplication',
        server: gateway,
        path: '/graphql',
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: GRAPHQL_QUERY }),
        check: expectRules('GraphQL replicationRules'),
      },
      {
        // Its pre-flight reads the rules (GetBucketReplication), the rest it may cache.
        name: 'gateway REST POST …/rules?dryRun=true',
        kind: 'gateway',
        upstream: 'GetBucketReplication',
        server: gateway,
        path: `/v1/buckets/${BUCKET}/replication/rules?dryRun=true`,
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify(DRY_RUN_RULE),
        check: (s, b) => {
          expectStatus(s, b, 200, 'the dry-run create');
          if (!b.includes('"plan"')) {
            throw new Error(`the dry-run create answered no plan: ${b.slice(0, 300)}`);
          }
        },
      },
    ];
    // First, while the gateway's caches are cold: what each mutation costs upstream.
    const calls = await countMutationCalls(gateway, emulator);
    (options.onMutationCalls ?? ((c) => log(formatMutationCalls(c))))(calls);
    for (const target of targets) {
      await probe(target);
    }

    const measured = new Map<Target, Measured>(
      targets.map((t) => [t, { latenciesUs: [], opsPerSec: [], cpuUsPerRequest: [] }]),
    );
    const clientOf = new Map<ServerProcess, Client>();
    for (const server of servers) {
      const client = new Client(server.url, { pipelining: 1 });
      clients.push(client);
      clientOf.set(server, client);
    }

    log(`  concurrency 1: ${perRound * rounds} sequential requests per target in ${rounds} round(s)`);
    for (const target of targets) {
      await sequential(clientOf.get(target.server)!, target, Math.min(200, perRound * rounds));
    }
    for (let round = 0; round < rounds; round += 1) {
      for (const target of rotated(targets, round)) {
        measured
          .get(target)!
          .latenciesUs.push(...(await sequential(clientOf.get(target.server)!, target, perRound)));
      }
    }

    log(`  concurrency ${connections}: ${duration} s per target in ${rounds} round(s)`);
    for (let round = 0; round < rounds; round += 1) {
      for (const target of rotated(targets, round)) {
        if (round === 0 && warmup > 0) {
          await load(target, connections, warmup);
        }
        await sleep(300);
        const cpuBefore = target.server.cpuMicros();
        const result = await load(target, connections, duration);
        // The audit writer flushes on a timer: its share lands in this window, not the next target's.
        await sleep(300);
        const cpuUs = target.server.cpuMicros() - cpuBefore;
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          throw new Error(
            `${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
          );
        }
        const m = measured.get(target)!;
        m.opsPerSec.push(result['2xx'] / result.duration);
        m.cpuUsPerRequest.push(cpuUs / Math.max(1, result['2xx']));
        log(
          `  round ${round + 1}/${rounds} ${target.name}: ${Math.round(result['2xx'] / result.duration)} req/s, ` +
            `${Math.round(cpuUs / Math.max(1, result['2xx']))} µs CPU/req`,
        );
      }
    }

    const summary = new Map(
      targets.map((t) => {
        const m = measured.get(t)!;
        return [
          t,
          {
            p50: percentile(m.latenciesUs, 50),
            p99: percentile(m.latenciesUs, 99),
            ops: median(m.opsPerSec),
            cpu: median(m.cpuUsPerRequest),
          },
        ];
      }),
    );
    const of = (kind: Kind, upstream: Upstream) =>
      summary.get(targets.find((t) => t.kind === kind && t.upstream === upstream)!)!;
    return targets.map((t) => {
      const s = summary.get(t)!;
      const floor = of('floor', t.upstream);
      const fwd = of('forwarder', t.upstream);
      const row: GatewayBenchResult = {
        name: t.name,
        opsPerSec: s.ops,
        p50Us: s.p50,
        p99Us: s.p99,
        cpuUsPerRequest: s.cpu,
      };
      if (t.kind !== 'floor') {
        row.addedP50OverFloorUs = s.p50 - floor.p50;
      }
      if (t.kind === 'gateway') {
        row.addedP50OverForwarderUs = s.p50 - fwd.p50;
        row.addedCpuOverForwarderUs = s.cpu - fwd.cpu;
        row.baseline = 'forwarder';
        row.baselineOpsPerSec = fwd.ops;
        row.ratio = s.ops / fwd.ops;
      }
      return row;
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const server of servers.reverse()) {
      await server.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The emulator's request counts, once the gateway's asynchronous follow-ups (audit lookups) are done. */
async function emulatorCounts(emulator: ForkedServer): Promise<Record<string, number>> {
  await sleep(150);
  const answer = await emulator.request({ type: 'counts' });
  return answer.type === 'counts' ? answer.counts : {};
}

/**
 * Real mutations through the gateway's REST API, each followed by the emulator's count of the
 * requests it served meanwhile: what a mutation costs upstream, first on a bucket and again.
 */
async function countMutationCalls(gateway: ServerProcess, emulator: ForkedServer): Promise<MutationCalls[]> {
  const rtc = `/v1/buckets/${BUCKET}/replication/rules/${RULE_ID}/rtc`;
  const mutations: Array<{ mutation: string; method: string; path: string; body?: unknown; status: number }> =
    [
      {
        mutation: 'create (first on its bucket)',
        method: 'POST',
        path: '/v1/buckets/demo-archive/replication/rules',
        body: {
          id: 'bench-count-1',
          prefixes: ['bench/'],
          destination: { bucket: 'demo-replica', location: 'oss-cn-beijing' },
        },
        status: 201,
      },
      {
        mutation: 'RTC enable (first on its bucket)',
        method: 'PUT',
        path: rtc,
        body: { enabled: true },
        status: 200,
      },
      { mutation: 'RTC disable', method: 'PUT', path: rtc, body: { enabled: false }, status: 200 },
      { mutation: 'RTC enable (again)', method: 'PUT', path: rtc, body: { enabled: true }, status: 200 },
      {
        mutation: 'delete',
        method: 'DELETE',
        path: '/v1/buckets/demo-archive/replication/rules/bench-count-1',
        status: 202,
      },
      {
        mutation: 'create (again on its bucket)',
        method: 'POST',
        path: '/v1/buckets/demo-archive/replication/rules',
        body: {
          id: 'bench-count-2',
          prefixes: ['bench-2/'],
          destination: { bucket: 'demo-source', location: 'oss-cn-hangzhou' },
        },
        status: 201,
      },
    ];
  const out: MutationCalls[] = [];
  let before = await emulatorCounts(emulator);
  for (const m of mutations) {
    const res = await fetch(`${gateway.url}${m.path}`, {
      method: m.method,
      headers: {
        'x-api-key': ADMIN_KEY,
        ...(m.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(m.body !== undefined ? { body: JSON.stringify(m.body) } : {}),
    });
    expectStatus(res.status, await res.text(), m.status, m.mutation);
    const after = await emulatorCounts(emulator);
    const calls: Record<string, number> = {};
    for (const [operation, n] of Object.entries(after)) {
      const delta = n - (before[operation] ?? 0);
      if (delta > 0) {
        calls[operation] = delta;
      }
    }
    out.push({ mutation: m.mutation, calls, total: Object.values(calls).reduce((a, b) => a + b, 0) });
    before = after;
  }
  return out;
}

export function formatMutationCalls(calls: MutationCalls[]): string {
  const width = Math.max(...calls.map((c) => c.mutation.length));
  return [
    'OSS calls per mutation (REST, counted by the emulator):',
    ...calls.map(
      (c) =>
        `  ${c.mutation.padEnd(width)}  ${String(c.total).padStart(2)}  ` +
        Object.entries(c.calls)
          .map(([op, n]) => (n > 1 ? `${op}×${n}` : op))
          .join(', '),
    ),
  ].join('\n');
}
