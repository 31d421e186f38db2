import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../utils/gateway-process.js';

const run = promisify(execFile);

/**
 * `npm run bench -- flood` in its quick mode (BENCH_QUICK=1: one short round), end to end: compiled
 * with the bench's own tsconfig into a private folder, the gateway, the emulator and the flood
 * started as processes. It proves the table is produced with numbers and a ratio, never how fast
 * anything is.
 */
describe('npm run bench -- flood (quick mode)', () => {
  const work = mkdtempSync(join(tmpdir(), 'flood-bench-smoke-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("prints the caller's throughput alone and during the unauthenticated flood, and their ratio", async () => {
    // Given the bench built as `npm run bench` builds it, laid out with package.json and node_modules
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.bench.json', '--outDir', join(work, 'dist-bench')], {
      cwd: REPO_ROOT,
    });
    copyFileSync(join(REPO_ROOT, 'package.json'), join(work, 'package.json'));
    symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(work, 'node_modules'), 'dir');

    // When it runs in quick mode
    const { stdout, stderr } = await run(
      process.execPath,
      ['--max-semi-space-size=32', join(work, 'dist-bench', 'bench', 'run.js'), 'flood'],
      { cwd: work, env: { PATH: process.env.PATH ?? '', BENCH_QUICK: '1' }, maxBuffer: 16 * 1024 * 1024 },
    );

    // Then the table has one row per measurement, with numbers, and the flooded row its ratio
    const lines = stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['suite', 'benchmark', 'ops/s', 'baseline ops/s', 'ratio']);
    const rows = new Map(
      lines.slice(2).map((line) => {
        const [, name, ...cells] = line.split(/\s{2,}/);
        return [name, cells] as const;
      }),
    );
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
});
