import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../utils/gateway-process.js';

const run = promisify(execFile);

/** The rows of a bench table (after its header and rule line), by benchmark name. */
function tableRows(lines: string[]): Map<string, string[]> {
  return new Map(
    lines.slice(2).map((line) => {
      const [, name, ...cells] = line.split(/\s{2,}/);
      return [name, cells] as const;
    }),
  );
}

/**
 * `npm run bench -- gateway` and `npm run bench -- flood` in their quick mode (BENCH_QUICK=1: a few
 * requests, one short round), end to end: compiled once with the bench's own tsconfig (into a private
 * folder, so a concurrent `npm run bench` or `npm run openapi` is not disturbed), the gateway, the
 * forwarder, the emulator and the flood started as processes. They prove the tables are produced with
 * numbers, never how fast anything is.
 */
describe('the benches in quick mode', () => {
  const work = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

  beforeAll(async () => {
    // The bench built as `npm run bench` builds it, laid out with package.json and node_modules
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.bench.json', '--outDir', join(work, 'dist-bench')], {
      cwd: REPO_ROOT,
    });
    copyFileSync(join(REPO_ROOT, 'package.json'), join(work, 'package.json'));
    symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(work, 'node_modules'), 'dir');
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const bench = (suite: string) =>
    run(process.execPath, ['--max-semi-space-size=32', join(work, 'dist-bench', 'bench', 'run.js'), suite], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', BENCH_QUICK: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });

  it('gateway: one row per target with latency, CPU per request and throughput, and the OSS calls per mutation', async () => {
    const { stdout, stderr } = await bench('gateway');

    // Then the table has its columns, the ratio last, and one row per target with numbers in it
    const lines = stdout.trim().split('\n');
    const header = lines[0].split(/\s{2,}/);
    expect(header).toEqual([
      'suite',
      'benchmark',
      'ops/s',
      'p50 µs c=1',
      'p99 µs c=1',
      '+p50 vs fwd',
      '+p50 vs floor',
      'CPU µs/req',
      '+CPU vs fwd',
      'baseline ops/s',
      'ratio',
    ]);
    const rows = tableRows(lines);
    const number = /^[+-]?[\d,]+(\.\d+)?$/;
    const baselines = [
      'emulator floor GetBucketReplication (pre-signed)',
      'emulator floor GetBucketReplicationProgress (pre-signed)',
      'minimal forwarder GET …/rules',
      'minimal forwarder GET …/progress',
    ];
    const gateway = [
      'gateway REST GET …/rules',
      'gateway REST GET …/progress',
      'gateway GraphQL replicationRules',
      'gateway REST POST …/rules?dryRun=true',
    ];
    expect([...rows.keys()]).toEqual([...baselines, ...gateway]);
    for (const name of baselines) {
      const [ops, p50, p99] = rows.get(name)!;
      expect([ops, p50, p99]).toEqual([
        expect.stringMatching(number),
        expect.stringMatching(number),
        expect.stringMatching(number),
      ]);
    }
    for (const name of gateway) {
      const cells = rows.get(name)!;
      // ops/s, p50, p99, +p50 vs fwd, +p50 vs floor, CPU, +CPU, baseline "n (forwarder)", ratio
      expect(cells).toHaveLength(9);
      expect(cells.filter((_, i) => i !== 7).every((c) => number.test(c))).toBe(true);
      expect(cells[7]).toMatch(/^[\d,]+ \(forwarder\)$/);
    }
    // And the OSS calls of each mutation are printed
    expect(stderr).toContain('OSS calls per mutation');
    expect(stderr).toMatch(/create \(first on its bucket\)\s+\d+\s+.*PutBucketReplication/);
    expect(stderr).toMatch(/RTC enable \(again\)\s+\d+\s+.*PutBucketRTC/);
    expect(stderr).toMatch(/delete\s+\d+\s+.*DeleteBucketReplication/);
  }, 240_000);

  it("flood: the caller's throughput alone and during the unauthenticated flood, and their ratio", async () => {
    const { stdout, stderr } = await bench('flood');

    // Then the table has one row per measurement, with numbers, and the flooded row its ratio
    const lines = stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['suite', 'benchmark', 'ops/s', 'baseline ops/s', 'ratio']);
    const rows = tableRows(lines);
    const number = /^[\d,]+(\.\d+)?$/;
    expect([...rows.keys()]).toEqual([
      'GET /v1/me alone',
      'GET /v1/me during 20×1 MiB unauthenticated POSTs',
      'unauthenticated 1 MiB POSTs answered',
    ]);
    expect(rows.get('GET /v1/me alone')).toEqual([expect.stringMatching(number)]);
    const [ops, baseline, ratio] = rows.get('GET /v1/me during 20×1 MiB unauthenticated POSTs')!;
    expect(ops).toMatch(number);
    expect(baseline).toMatch(/^[\d,]+ \(alone\)$/);
    expect(ratio).toMatch(number);
    // And each round says what the flood was answered
    expect(stderr).toMatch(/round 1\/1: alone \d+ req\/s .* flood answers: /);
  }, 240_000);

  it('audit-store: insert rate, bytes per event, the pages and the verification rate, on both stores', async () => {
    const { stdout } = await bench('audit-store');

    // Then the table has a row per measurement and store, each with a number in its column
    const lines = stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['suite', 'benchmark', 'ops/s', 'ms', 'bytes/event', 'ratio']);
    const rows = tableRows(lines);
    const number = /^[\d,]+(\.\d+)?$/;
    for (const store of ['SQLite', 'PostgreSQL']) {
      const names = [...rows.keys()].filter((n) => n.startsWith(`${store}: `));
      expect(names).toEqual(
        expect.arrayContaining([
          `${store}: insert 20,000 events (chained), events/s`,
          `${store}: bytes per event`,
          `${store}: first page (50)`,
          `${store}: deep page, 19,800 deep, (time, id) < (?, ?)`,
          `${store}: verify every chain, events/s`,
        ]),
      );
      expect(names.some((n) => /: filtered page, principal \+ bucket \+ action \(\d+ match\)$/.test(n))).toBe(
        true,
      );
      for (const name of names) {
        expect(rows.get(name)!.filter(Boolean)).toEqual([expect.stringMatching(number)]);
      }
    }
  }, 240_000);
});
