import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { createApp } from '../src/app.factory.js';
import { AuditService } from '../src/audit/audit.service.js';
import { buildAppConfig, type OssCredentialsConfig } from '../src/config/app.config.js';
import { prepareEmbedded, type EmbeddedEnvironment } from '../src/embedded/prepare-embedded.js';
import { encodeQuery } from '../src/oss/endpoint.js';
import { ruleFromXml } from '../src/oss/operations/replication-rule.codec.js';
import type { QueryPair } from '../src/oss/signer/types.js';
import { signV4Header } from '../src/oss/signer/v4.js';
import { children, parseXml } from '../src/oss/xml/xml-codec.js';

/** One benchmark line (the shape bench/run.ts prints). */
export interface GatewayBenchResult {
  name: string;
  opsPerSec: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
}

export interface GatewayBenchOptions {
  /** Timed phase per target (default 5 s). */
  durationSec?: number;
  /** Warm-up per target and round, not measured (default 1 s). */
  warmupSec?: number;
  /**
   * Rounds (default 3). Each round measures every target in turn, so background load on the machine
   * hits all of them alike; each target's best round is reported.
   */
  rounds?: number;
  /** Concurrent connections (default 50). */
  connections?: number;
  log?: (line: string) => void;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  workers?: number;
}) => Promise<AutocannonResult>;

// autocannon ships no type declarations; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const ADMIN_KEY = 'demo-admin-key';
const BUCKET = 'demo-source';
export const GRAPHQL_QUERY =
  '{ replicationRules(bucket: "demo-source") { id status prefixes action historicalObjectReplication destination { bucket location transferType } rtc { enabled status } } }';

/**
 * The baseline: the least a forwarder for `GET …/rules` must do — a plain Fastify route that signs
 * GetBucketReplication with our V4 signer, sends it with undici, parses the XML with our codec and
 * answers JSON. No authentication, authorization, validation, audit or error mapping.
 */
export async function startMinimalForwarder(
  emulatorUrl: string,
  credentials: OssCredentialsConfig,
  region = 'cn-hangzhou',
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new Pool(emulatorUrl, { connections: 64, pipelining: 1 });
  const host = new URL(emulatorUrl).host;
  const app: FastifyInstance = Fastify({ logger: false });
  app.get<{ Params: { bucket: string } }>('/v1/buckets/:bucket/replication/rules', async (req, reply) => {
    const { bucket } = req.params;
    const query: QueryPair[] = [['replication', null]];
    const headers: Record<string, string> = { host };
    signV4Header({ method: 'GET', bucket, query, headers }, { credentials, region, now: new Date() });
    const res = await upstream.request({
      method: 'GET',
      path: `/${bucket}/?${encodeQuery(query)}`,
      headers,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) {
      return reply.code(502).send({ status: res.statusCode });
    }
    const root = parseXml(body, 'ReplicationConfiguration');
    return { rules: children(root, 'Rule').map(ruleFromXml) };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await upstream.close();
    },
  };
}

interface Target {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Checks one response before measuring, so a broken target never yields a number. */
  check(status: number, body: string): void;
}

async function probe(target: Target): Promise<void> {
  const res = await fetch(target.url, {
    method: target.method,
    headers: target.headers,
    ...(target.body ? { body: target.body } : {}),
  });
  target.check(res.status, await res.text());
}

async function load(target: Target, connections: number, duration: number): Promise<AutocannonResult> {
  // One worker thread drives the load, so the client does not share the servers' event loop.
  return autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.body ? { body: target.body } : {}),
    connections,
    duration,
    workers: 1,
  });
}

/**
 * Lets the previous load's after-effects finish before a measurement starts, so no target pays for
 * another: the audit events still queued are written (the writer thread would otherwise compete with
 * the next target for CPU), and a full collection clears the previous load's garbage (`npm run bench`
 * runs with `--expose-gc`).
 */
async function settle(audit: AuditService): Promise<void> {
  await audit.flush();
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

function expectRule(status: number, body: string, where: string): void {
  if (status !== 200) {
    throw new Error(`${where} answered ${status}: ${body.slice(0, 300)}`);
  }
  if (!body.includes('demo-logs-and-images-to-beijing')) {
    throw new Error(`${where} did not list the demo rule: ${body.slice(0, 300)}`);
  }
}

/**
 * Full stack (real app, API-key auth, RAM evaluation, audit to SQLite, OSS client over HTTP to the
 * emulator) for REST `GET /v1/buckets/demo-source/replication/rules` and GraphQL `replicationRules`,
 * beside the minimal forwarder, all measured in this run with autocannon at the same concurrency.
 */
export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult[]> {
  const duration = options.durationSec ?? 5;
  const warmup = options.warmupSec ?? 1;
  const connections = options.connections ?? 50;
  const rounds = Math.max(1, options.rounds ?? 3);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  const config = buildAppConfig({
    DATABASE_URL: `sqlite:${join(dataDir, 'gateway.db')}`,
    EMULATOR_PORT: '0',
    LOG_LEVEL: 'error',
  });
  let env: EmbeddedEnvironment | undefined;
  let app: NestFastifyApplication | undefined;
  let forwarder: { url: string; close(): Promise<void> } | undefined;
  try {
    env = await prepareEmbedded(config);
    app = await createApp(env.config, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const gatewayUrl = `http://127.0.0.1:${address.port}`;
    forwarder = await startMinimalForwarder(env.emulator.url, env.config.oss.credentials!);

    const targets: Target[] = [
      {
        name: 'minimal forwarder GET …/rules (Fastify+undici+signer+XML codec, no auth)',
        url: `${forwarder.url}/v1/buckets/${BUCKET}/replication/rules`,
        method: 'GET',
        headers: {},
        check: (s, b) => expectRule(s, b, 'the minimal forwarder'),
      },
      {
        name: 'gateway REST GET /v1/buckets/{bucket}/replication/rules',
        url: `${gatewayUrl}/v1/buckets/${BUCKET}/replication/rules`,
        method: 'GET',
        headers: { 'x-api-key': ADMIN_KEY },
        check: (s, b) => expectRule(s, b, 'REST'),
      },
      {
        name: 'gateway GraphQL replicationRules',
        url: `${gatewayUrl}/graphql`,
        method: 'POST',
        headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ query: GRAPHQL_QUERY }),
        check: (s, b) => {
          expectRule(s, b, 'GraphQL');
          if (b.includes('"errors"')) {
            throw new Error(`GraphQL answered errors: ${b.slice(0, 300)}`);
          }
        },
      },
    ];
    for (const target of targets) {
      await probe(target);
    }
    const audit = app.get(AuditService);
    const best = new Map<Target, AutocannonResult>();
    for (let round = 1; round <= rounds; round += 1) {
      for (const target of targets) {
        if (warmup > 0) {
          await load(target, connections, warmup);
        }
        await settle(audit);
        const result = await load(target, connections, duration);
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          throw new Error(
            `${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
          );
        }
        log(
          `  round ${round}/${rounds} ${target.name}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
        );
        const previous = best.get(target);
        if (!previous || result.requests.average > previous.requests.average) {
          best.set(target, result);
        }
      }
    }
    const measured = targets.map((target) => ({ target, result: best.get(target)! }));
    const [base, ...rest] = measured;
    const baselineOpsPerSec = base.result.requests.average;
    return [
      { name: base.target.name, opsPerSec: baselineOpsPerSec },
      ...rest.map(({ target, result }) => {
        const opsPerSec = result.requests.average;
        return {
          name: `${target.name} (c=${connections})`,
          opsPerSec,
          baseline: 'minimal forwarder',
          baselineOpsPerSec,
          ratio: opsPerSec / baselineOpsPerSec,
        };
      }),
    ];
  } finally {
    await forwarder?.close();
    await app?.close();
    await env?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
