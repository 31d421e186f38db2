import 'reflect-metadata';
import { floodBenchOptionsFromEnv, runFloodBench } from './flood.bench.js';
import { gatewayBenchOptionsFromEnv, runGatewayBench } from './gateway.bench.js';

/**
 * One line of the table; each suite fills what it measures (a column nobody fills is left out).
 * `ratio` = opsPerSec / baselineOpsPerSec, always the last column.
 */
export interface BenchResult {
  name: string;
  opsPerSec?: number;
  ms?: number;
  medianNs?: number;
  /** Latency at concurrency 1, µs. */
  p50Us?: number;
  p99Us?: number;
  /** p50 at c=1 above the minimal forwarder's / the emulator floor's, µs. */
  addedP50OverForwarderUs?: number;
  addedP50OverFloorUs?: number;
  /** CPU time of the serving process per request, and above the forwarder's, µs. */
  cpuUsPerRequest?: number;
  addedCpuOverForwarderUs?: number;
  /** Latency in ms (p50, p99), and what it adds over a baseline at the same percentile. */
  p50Ms?: number;
  p99Ms?: number;
  addedP50Ms?: number;
  addedP99Ms?: number;
  /** Storage per stored row (the audit store), bytes. */
  bytesPerEvent?: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
}

interface Suite {
  /** Matched by `npm run bench -- <filter>`. */
  name: string;
  run: () => Promise<BenchResult[]>;
}

/** Suites owned by other modules are loaded only if their file exists (each exports `run<Name>Bench`). */
async function optionalSuite(name: string, file: string, exportName: string): Promise<Suite | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(file)) as Record<string, unknown>;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(error).includes(file.slice(2))
    ) {
      return undefined;
    }
    throw error;
  }
  const run = mod[exportName];
  if (typeof run !== 'function') {
    throw new Error(`${file} does not export ${exportName}()`);
  }
  return { name, run: () => (run as () => Promise<BenchResult[]>)() };
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined
    ? ''
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function signed(n: number | undefined): string {
  return n === undefined ? '' : `${n >= 0 ? '+' : ''}${fmt(n)}`;
}

export function formatTable(rows: Array<BenchResult & { suite: string }>): string {
  const columns: Array<[string, (r: BenchResult & { suite: string }) => string]> = [
    ['suite', (r) => r.suite],
    ['benchmark', (r) => r.name],
    ['ops/s', (r) => fmt(r.opsPerSec)],
    ['ms', (r) => fmt(r.ms, 2)],
    ['median ns', (r) => fmt(r.medianNs)],
    ['p50 µs c=1', (r) => fmt(r.p50Us)],
    ['p99 µs c=1', (r) => fmt(r.p99Us)],
    ['+p50 vs fwd', (r) => signed(r.addedP50OverForwarderUs)],
    ['+p50 vs floor', (r) => signed(r.addedP50OverFloorUs)],
    ['p50 ms', (r) => fmt(r.p50Ms, 2)],
    ['p99 ms', (r) => fmt(r.p99Ms, 2)],
    ['+p50 ms', (r) => (r.addedP50Ms === undefined ? '' : `+${fmt(r.addedP50Ms, 2)}`)],
    ['+p99 ms', (r) => (r.addedP99Ms === undefined ? '' : `+${fmt(r.addedP99Ms, 2)}`)],
    ['CPU µs/req', (r) => fmt(r.cpuUsPerRequest)],
    ['+CPU vs fwd', (r) => signed(r.addedCpuOverForwarderUs)],
    ['bytes/event', (r) => fmt(r.bytesPerEvent)],
    ['baseline ops/s', (r) => (r.baseline ? `${fmt(r.baselineOpsPerSec)} (${r.baseline})` : '')],
    ['ratio', (r) => (r.ratio === undefined ? '' : fmt(r.ratio, 2))],
  ];
  const all = columns.map(([, cell]) => rows.map(cell));
  // Names and the ratio always; any other column only when some row has a value in it.
  const shown = columns
    .map((_, i) => i)
    .filter((i) => i < 2 || i === columns.length - 1 || all[i].some(Boolean));
  const header = shown.map((i) => columns[i][0]);
  const body = rows.map((_, r) => shown.map((i) => all[i][r]));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2).map((f) => f.toLowerCase());
  const candidates = await Promise.all([
    optionalSuite('oss', './oss.bench.js', 'runOssBench'),
    optionalSuite('emulator', './emulator.bench.js', 'runEmulatorBench'),
    optionalSuite('ram', './ram.bench.js', 'runRamBench'),
    optionalSuite('audit-durability', './audit-durability.bench.js', 'runAuditDurabilityBench'),
    optionalSuite('audit-store', './audit-store.bench.js', 'runAuditStoreBench'),
    optionalSuite('fleet', './fleet.bench.js', 'runFleetBench'),
  ]);
  const suites: Suite[] = [
    ...candidates.filter((s): s is Suite => s !== undefined),
    { name: 'gateway', run: () => runGatewayBench(gatewayBenchOptionsFromEnv(process.env)) },
    { name: 'flood', run: () => runFloodBench(floodBenchOptionsFromEnv(process.env)) },
  ];
  const selected = filters.length ? suites.filter((s) => filters.some((f) => s.name.includes(f))) : suites;
  if (selected.length === 0) {
    process.stderr.write(
      `no benchmark suite matches ${filters.join(', ')} (have: ${suites.map((s) => s.name).join(', ')})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const rows: Array<BenchResult & { suite: string }> = [];
  for (const suite of selected) {
    process.stderr.write(`running ${suite.name}…\n`);
    for (const r of await suite.run()) {
      rows.push({ ...r, suite: suite.name });
    }
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
