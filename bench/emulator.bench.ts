import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { startEmulator } from '../src/emulator/emulator-server.js';
import type { SignableRequest } from '../src/oss/signer/types.js';
import { signV4Header } from '../src/oss/signer/v4.js';

/** One line of the emulator benchmark (`ms` for one-off timings, `opsPerSec` for rates). */
export type BenchResult = {
  name: string;
  opsPerSec?: number;
  ms?: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
};

interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  workers?: number;
}) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const DURATION_S = 3;
const CONNECTIONS = 10;

async function rate(url: string, headers: Record<string, string> = {}): Promise<number> {
  // One worker thread generates the load, so the server under test keeps the main thread to itself.
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers,
    workers: 1,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`benchmark requests failed: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return result.requests.average;
}

/** GetBucketReplication over HTTP (V4 header, skew check off) vs a plain node:http server with a fixed body. */
async function getBucketReplicationRate(): Promise<BenchResult> {
  const emu = await startEmulator({ clockSkewSeconds: 'off', replication: { tickMs: 0 } });
  let baseline: Server | undefined;
  try {
    emu.admin.createBucket('bench-src', 'cn-hangzhou');
    emu.admin.createBucket('bench-dst', 'cn-beijing');
    const key = emu.accessKeys[0];
    const sign = (req: SignableRequest) =>
      signV4Header(req, { credentials: key, region: 'cn-hangzhou', now: new Date() });
    const put: SignableRequest = {
      method: 'POST',
      bucket: 'bench-src',
      query: [
        ['replication', null],
        ['comp', 'add'],
      ],
      headers: { 'Content-Type': 'application/xml' },
    };
    sign(put);
    const body =
      '<ReplicationConfiguration><Rule><ID>bench</ID><PrefixSet><Prefix>logs/</Prefix></PrefixSet><Destination><Bucket>bench-dst</Bucket><Location>oss-cn-beijing</Location></Destination></Rule></ReplicationConfiguration>';
    const res = await fetch(`${emu.url}/bench-src/?replication&comp=add`, {
      method: 'POST',
      headers: put.headers,
      body,
    });
    if (res.status !== 200) {
      throw new Error(`PutBucketReplication failed: ${res.status}`);
    }
    const get: SignableRequest = {
      method: 'GET',
      bucket: 'bench-src',
      query: [['replication', null]],
      headers: {},
    };
    sign(get);
    const fixed = Buffer.from(
      await (await fetch(`${emu.url}/bench-src/?replication`, { headers: get.headers })).text(),
    );

    baseline = createServer((_req, r) => {
      r.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(fixed.length) });
      r.end(fixed);
    });
    await new Promise<void>((resolve) => baseline!.listen(0, '127.0.0.1', resolve));
    const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`;

    const baselineOpsPerSec = await rate(baselineUrl);
    const opsPerSec = await rate(`${emu.url}/bench-src/?replication`, get.headers);
    return {
      name: `emulator GetBucketReplication over HTTP (V4 verified, ${CONNECTIONS} connections)`,
      opsPerSec,
      baseline: 'node:http fixed body',
      baselineOpsPerSec,
      ratio: opsPerSec / baselineOpsPerSec,
    };
  } finally {
    await emu.close();
    await new Promise<void>((resolve) => (baseline ? baseline.close(() => resolve()) : resolve()));
  }
}

/** Wall time from PutBucketReplication (historical enabled, rate unlimited) until 10,000 objects are at the destination. */
async function replicateHistorical(count = 10_000): Promise<BenchResult> {
  const emu = await startEmulator({
    replication: { objectsPerSecond: 1_000_000_000, tickMs: 1, startingMs: 0 },
  });
  try {
    emu.admin.createBucket('hist-src', 'cn-hangzhou');
    emu.admin.createBucket('hist-dst', 'cn-shanghai');
    const payload = Buffer.alloc(1024, 'x');
    for (let i = 0; i < count; i++) {
      emu.admin.putObject('hist-src', `data/${String(i).padStart(6, '0')}`, payload);
    }
    const key = emu.accessKeys[0];
    const req: SignableRequest = {
      method: 'POST',
      bucket: 'hist-src',
      query: [
        ['replication', null],
        ['comp', 'add'],
      ],
      headers: { 'Content-Type': 'application/xml' },
    };
    signV4Header(req, { credentials: key, region: 'cn-hangzhou', now: new Date() });
    const started = performance.now();
    const res = await fetch(`${emu.url}/hist-src/?replication&comp=add`, {
      method: 'POST',
      headers: req.headers,
      body: '<ReplicationConfiguration><Rule><Destination><Bucket>hist-dst</Bucket><Location>oss-cn-shanghai</Location></Destination><HistoricalObjectReplication>enabled</HistoricalObjectReplication></Rule></ReplicationConfiguration>',
    });
    if (res.status !== 200) {
      throw new Error(`PutBucketReplication failed: ${res.status}`);
    }
    for (;;) {
      const [rule] = emu.admin.getRules('hist-src');
      if (rule && rule.status === 'doing' && rule.historicalDone === count) {
        break;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const ms = performance.now() - started;
    const copied = emu.admin.listObjects('hist-dst').length;
    if (copied !== count) {
      throw new Error(`expected ${count} replicated objects, found ${copied}`);
    }
    return {
      name: `emulator: replicate ${count} historical objects (1 KiB, rate unlimited)`,
      ms,
      opsPerSec: (count * 1000) / ms,
    };
  } finally {
    await emu.close();
  }
}

export async function runEmulatorBench(): Promise<BenchResult[]> {
  return [await getBucketReplicationRate(), await replicateHistorical()];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void runEmulatorBench().then((results) => {
    for (const r of results) {
      console.log(JSON.stringify(r));
    }
  });
}
