/** One benchmark line; `ratio` = opsPerSec / baselineOpsPerSec (> 1 = faster than the baseline). */
export type BenchResult = {
  name: string;
  opsPerSec: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
};

export interface MeasureOptions {
  /** Timed phase length (default 500 ms). */
  minMs?: number;
  /** Warm-up length (default a quarter of minMs, at least 50 ms). */
  warmupMs?: number;
}

let sink: unknown;

/** Keeps a result alive so the JIT cannot drop the measured work. */
export function consume(value: unknown): void {
  sink = value;
}

function runFor(fn: () => unknown, ms: number): { iterations: number; elapsedNs: bigint } {
  const budget = BigInt(Math.round(ms * 1e6));
  const start = process.hrtime.bigint();
  let iterations = 0;
  let batch = 1;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) {
      sink = fn();
    }
    iterations += batch;
    elapsed = process.hrtime.bigint() - start;
    if (batch < 1024) {
      batch *= 2;
    }
  }
  return { iterations, elapsedNs: elapsed };
}

/** Warm-up then a timed hrtime loop; returns operations per second. */
export function measure(_name: string, fn: () => unknown, options: MeasureOptions = {}): number {
  const minMs = options.minMs ?? 500;
  runFor(fn, options.warmupMs ?? Math.max(50, minMs / 4));
  const { iterations, elapsedNs } = runFor(fn, minMs);
  consume(sink);
  return (iterations * 1e9) / Number(elapsedNs);
}

/** Measures `fn` and its baseline in the same run and reports the ratio. */
export function compare(
  name: string,
  fn: () => unknown,
  baselineName: string,
  baseline: () => unknown,
  options: MeasureOptions = {},
): BenchResult {
  const baselineOpsPerSec = measure(baselineName, baseline, options);
  const opsPerSec = measure(name, fn, options);
  return { name, opsPerSec, baseline: baselineName, baselineOpsPerSec, ratio: opsPerSec / baselineOpsPerSec };
}
