/*
 * The rate-limit configuration (DESIGN.md §9): `GATEWAY_RATE_LIMITS` and the principals file's
 * per-principal `rateLimits`. Pure: no imports, so the env schema and the principals file parser can
 * use it without pulling in the limiter.
 */

/** The classes of request a caller is limited by, each with its own bucket per caller. */
export const RATE_LIMIT_CLASSES = ['read', 'write', 'simulate', 'anonymous'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

/** `N/unit[:burst=M]`, parsed: `rate` units per `per` seconds sustained, bursts up to `burst`. */
export interface RateSpec {
  readonly rate: number;
  /** Seconds of the unit: s = 1, m = 60, h = 3600. */
  readonly per: number;
  /** The most a caller may spend at once from a full bucket (defaults to `rate`). */
  readonly burst: number;
  /** The text it was parsed from (normalised), for logs and the README. */
  readonly text: string;
}

export type RateLimitTable = Readonly<Record<RateLimitClass, RateSpec>>;
/** A principal's own limits (principals file `rateLimits: {read: "500/s"}`); unlisted classes keep the table's. */
export type RateLimitOverrides = Readonly<Partial<Record<Exclude<RateLimitClass, 'anonymous'>, RateSpec>>>;

export const DEFAULT_RATE_LIMITS = 'read=100/s:burst=200,write=10/s:burst=20,simulate=50/s,anonymous=20/s';
export const RATE_SPEC_GRAMMAR = 'N/unit[:burst=M] with unit s, m or h (e.g. 100/s:burst=200)';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const MAX_RATE = 1_000_000;
const MAX_BURST = 10_000_000;
const SPEC = /^(\d+)\/([a-z]+)(?::burst=(\d+))?$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses one `N/unit[:burst=M]`; the problem names what is wrong with it. */
export function parseRateSpec(text: string): Parsed<RateSpec> {
  const trimmed = text.trim();
  const match = SPEC.exec(trimmed);
  if (!match) {
    return { ok: false, problem: `"${trimmed}" is not ${RATE_SPEC_GRAMMAR}` };
  }
  const [, rateText, unit, burstText] = match as unknown as [string, string, string, string | undefined];
  const per = UNIT_SECONDS[unit];
  if (per === undefined) {
    return { ok: false, problem: `"${trimmed}": unit "${unit}" must be s, m or h` };
  }
  const rate = Number(rateText);
  if (rate < 1 || rate > MAX_RATE) {
    return { ok: false, problem: `"${trimmed}": the rate must be between 1 and ${MAX_RATE}` };
  }
  const burst = burstText === undefined ? rate : Number(burstText);
  if (burst < rate) {
    return { ok: false, problem: `"${trimmed}": burst must be at least the rate (${rate})` };
  }
  if (burst > MAX_BURST) {
    return { ok: false, problem: `"${trimmed}": burst must be at most ${MAX_BURST}` };
  }
  const normalised = `${rate}/${unit}${burst === rate ? '' : `:burst=${burst}`}`;
  return { ok: true, value: { rate, per, burst, text: normalised } };
}

/**
 * Parses `GATEWAY_RATE_LIMITS` (`class=N/unit[:burst=M]`, comma-separated). Classes it does not name
 * keep their default; every problem names the entry it is about.
 */
export function parseRateLimits(text: string | undefined): { table?: RateLimitTable; problems: string[] } {
  const table: Record<string, RateSpec> = {};
  const problems: string[] = [];
  const apply = (source: string, collect: string[]): void => {
    const seen = new Set<string>();
    for (const entry of source.split(',')) {
      const trimmed = entry.trim();
      if (trimmed === '') {
        continue;
      }
      const eq = trimmed.indexOf('=');
      const cls = eq < 0 ? trimmed : trimmed.slice(0, eq).trim();
      if (eq < 0 || !(RATE_LIMIT_CLASSES as readonly string[]).includes(cls)) {
        collect.push(
          `"${trimmed}": expected class=N/unit[:burst=M], class one of ${RATE_LIMIT_CLASSES.join(', ')}`,
        );
        continue;
      }
      if (seen.has(cls)) {
        collect.push(`"${trimmed}": class ${cls} is given twice`);
        continue;
      }
      seen.add(cls);
      const spec = parseRateSpec(trimmed.slice(eq + 1));
      if (spec.ok) {
        table[cls] = spec.value;
      } else {
        collect.push(`${cls}: ${spec.problem}`);
      }
    }
  };
  apply(DEFAULT_RATE_LIMITS, []);
  if (text !== undefined) {
    apply(text, problems);
  }
  return problems.length > 0 ? { problems } : { table: table as RateLimitTable, problems };
}

/** The table of `GATEWAY_RATE_LIMITS`, or throws naming each problem (validated at boot, so never in practice). */
export function rateLimitTable(text: string | undefined): RateLimitTable {
  const { table, problems } = parseRateLimits(text);
  if (!table) {
    throw new Error(`GATEWAY_RATE_LIMITS: ${problems.join('; ')}`);
  }
  return table;
}

/**
 * The fixed window the limiter enforces for a spec: `burst` points per `windowSeconds`, the window
 * being the time the sustained rate takes to earn a full burst (`burst / rate` units), rounded up to
 * whole seconds (the Redis store counts in seconds). Rounding up never allows more than the rate.
 */
export function enforcedWindow(spec: RateSpec): { points: number; windowSeconds: number } {
  return { points: spec.burst, windowSeconds: Math.max(1, Math.ceil((spec.burst * spec.per) / spec.rate)) };
}
