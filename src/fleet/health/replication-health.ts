import type { ProgressSample } from '../domain/progress-sample.js';

/*
 * The health of one replication rule (DESIGN §11), as a pure function of its stored samples and the
 * time of asking: no I/O, no clock, no Nest. Everything the fleet API, the metrics and the
 * notifications say about "is this rule keeping up" comes from here.
 *
 * Decisions where §11 is silent (tested one by one in replication-health.spec.ts):
 * - Precedence for a `doing` rule: stalled, then lagging, then catching_up, then healthy. A rule
 *   whose historical replication is under way but whose new objects are late is `lagging` (its
 *   reasons say both).
 * - "Moved" means rose above the previous successful sample: a figure that jumps back is not
 *   progress. A rule just turned `doing` counts as moved then (no stall before `stallAfterSeconds`
 *   of observation). Only figures that can still move count: a complete (or absent) historical
 *   fraction with no watermark cannot stall.
 * - Rate: the least-squares slope of the historical fraction over time, over the samples of the last
 *   `rateWindowSeconds` (default 1 h; at least the last two samples) since the last backward jump.
 *   Least squares rather than an EWMA because sample spacing is irregular (gaps, missed passes) and
 *   the slope over a window weighs time, not sample count. Cutting at backward jumps keeps the
 *   slope ≥ 0: no negative rates, and an ETA only when the rate is positive and the ETA in the future.
 * - `unknown` also when the newest sample is older than `staleAfterSeconds` (default: the stall
 *   threshold; the sampler is not running), and for a `doing` rule for which OSS reports no
 *   figure at all (nothing to judge by).
 * - The figures always describe the newest successful sample, also when later reads failed;
 *   `sampledAt` is that sample's time and `lagSeconds` is measured to `now` (so it grows while reads
 *   fail: an upper bound).
 * - `since`: the first sample of the trailing run classified in the same state (each sample judged at
 *   its own time); a gap longer than `staleAfterSeconds` ends the walk (the state was unknown then).
 *   For stalled and lagging the moment the threshold was crossed is known exactly and used when it
 *   lies between the run's first sample and the one before it; a state reached after the last sample
 *   (a threshold crossed since) starts at that crossing.
 * - Duplicate timestamps: the last of them (in input order) counts; input is sorted defensively.
 */

export const HEALTH_STATES = [
  'starting',
  'catching_up',
  'healthy',
  'lagging',
  'stalled',
  'closing',
  'unknown',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Most severe first: the fleet's sort order (then by lag). */
export const HEALTH_SEVERITY: Readonly<Record<HealthState, number>> = {
  stalled: 0,
  lagging: 1,
  unknown: 2,
  catching_up: 3,
  starting: 4,
  closing: 5,
  healthy: 6,
};

/** DESIGN §11 `ReplicationHealth`. Times are ISO-8601 strings. */
export interface ReplicationHealth {
  state: HealthState;
  /** Human sentences: why this state ("no progress for 34 min"), plus notes about odd figures. */
  reasons: string[];
  /** now − newObjectsReplicatedUntil, whole seconds, ≥ 0; null without a watermark. */
  lagSeconds: number | null;
  historicalObjectProgress: number | null;
  /** Fraction per hour, smoothed (see above); null without a measurable rate. */
  historicalRatePerHour: number | null;
  /** Estimated completion of historical replication; only when the rate is positive. */
  historicalEta: string | null;
  /** When this state began. */
  since: string;
  /** The newest successful sample's time. */
  sampledAt: string | null;
}

export interface HealthThresholds {
  /** `GATEWAY_STALL_AFTER_SECONDS`: neither figure moved for this long → stalled. */
  stallAfterSeconds: number;
  /** `GATEWAY_LAG_THRESHOLD_SECONDS`: lag above this → lagging. */
  lagThresholdSeconds: number;
  /** The same for rules with RTC enabled (OSS's RTC promise: 10 minutes). */
  rtcLagThresholdSeconds: number;
  /** Newest sample older than this → unknown. Default: `stallAfterSeconds`. */
  staleAfterSeconds?: number;
  /** The rate's window. */
  rateWindowSeconds: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  stallAfterSeconds: 1800,
  lagThresholdSeconds: 900,
  rtcLagThresholdSeconds: 600,
  rateWindowSeconds: 3600,
});

/** Changes smaller than this are noise (fractions are reported with a few decimals). */
const EPSILON = 1e-9;
const HOUR_MS = 3_600_000;
const MAX_DATE_MS = 8.64e15;

interface Point {
  sample: ProgressSample;
  t: number;
  /** Clamped to 0..1; null when absent or not a number. */
  p: number | null;
  wm: number | null;
  ok: boolean;
  /** Good `doing` samples: the last time a figure moved (or the run began). */
  movedAt: number;
  /** Index where the current rate segment starts (after the last backward jump). */
  segmentStart: number;
  /** The previous successful sample's index, -1 if none. */
  prevGood: number;
}

interface Judged {
  state: HealthState;
  /** For threshold states: when the threshold was crossed, given this sample's figures. */
  crossing?: number;
}

interface Jump {
  t: number;
  from: number;
  to: number;
}

function fraction(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) {
    return null;
  }
  return Math.min(1, Math.max(0, value));
}

function instant(value: Date | null): number | null {
  const t = value?.getTime();
  return t === undefined || Number.isNaN(t) ? null : t;
}

/** Valid times only, sorted (stable), one sample per instant: the last given. */
function normalise(samples: readonly ProgressSample[]): ProgressSample[] {
  const valid = samples
    .map((sample, index) => ({ sample, index, t: instant(sample.time) }))
    .filter((x): x is { sample: ProgressSample; index: number; t: number } => x.t !== null)
    .sort((a, b) => a.t - b.t || a.index - b.index);
  const out: ProgressSample[] = [];
  for (let i = 0; i < valid.length; i += 1) {
    const next = valid[i + 1];
    if (!next || next.t !== valid[i].t) {
      out.push(valid[i].sample);
    }
  }
  return out;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) {
    return `${s} s`;
  }
  const min = Math.round(s / 60);
  if (min < 90) {
    return `${min} min`;
  }
  const h = Math.floor(min / 60);
  if (h < 48) {
    const rest = min % 60;
    return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
  }
  const d = Math.floor(h / 24);
  const rest = h % 24;
  return rest === 0 ? `${d} d` : `${d} d ${rest} h`;
}

export function formatPercent(value: number): string {
  const rounded = Math.round(value * 1000) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

class HealthComputation {
  private readonly points: Point[] = [];
  private readonly pJumps: Jump[] = [];
  private readonly wmJumps: Jump[] = [];
  private readonly staleMs: number;
  private readonly stallMs: number;

  constructor(
    samples: readonly ProgressSample[],
    private readonly now: number,
    private readonly th: HealthThresholds,
  ) {
    this.stallMs = th.stallAfterSeconds * 1000;
    this.staleMs = (th.staleAfterSeconds ?? th.stallAfterSeconds) * 1000;
    let prevGood = -1;
    for (const sample of normalise(samples)) {
      const index = this.points.length;
      const t = sample.time.getTime();
      const ok = sample.error === undefined && sample.status !== null;
      const point: Point = {
        sample,
        t,
        p: ok ? fraction(sample.historicalObjectProgress) : null,
        wm: ok ? instant(sample.newObjectsReplicatedUntil) : null,
        ok,
        movedAt: t,
        segmentStart: index,
        prevGood,
      };
      if (ok) {
        const prev = prevGood >= 0 ? this.points[prevGood] : undefined;
        if (sample.status === 'doing' && prev?.sample.status === 'doing') {
          point.movedAt = prev.movedAt;
          point.segmentStart = prev.segmentStart;
          if (point.p !== null && prev.p !== null) {
            if (point.p > prev.p + EPSILON) {
              point.movedAt = t;
            } else if (point.p < prev.p - EPSILON) {
              this.pJumps.push({ t, from: prev.p, to: point.p });
              point.segmentStart = index;
            }
          } else if (point.p !== null) {
            point.segmentStart = index;
          }
          if (point.wm !== null && prev.wm !== null) {
            if (point.wm > prev.wm) {
              point.movedAt = t;
            } else if (point.wm < prev.wm) {
              this.wmJumps.push({ t, from: prev.wm, to: point.wm });
            }
          }
        }
        prevGood = index;
      }
      this.points.push(point);
    }
  }

  result(): ReplicationHealth {
    const last = this.points[this.points.length - 1];
    if (!last) {
      return this.health('unknown', ['no progress sample yet'], iso(this.now), undefined);
    }
    const good = last.ok ? last : this.points[last.prevGood];
    const current = this.judgeNow(last);
    const since = this.since(current.state);
    return this.health(current.state, this.reasons(current.state, last, good), iso(since), good);
  }

  /** The state with `last` the newest sample, judged at `now`. */
  private judgeNow(last: Point): Judged {
    if (this.now - last.t > this.staleMs) {
      return { state: 'unknown', crossing: last.t + this.staleMs };
    }
    return this.judge(last, this.now);
  }

  /** The state given sample `point` (and what came before it), at time `at`. */
  private judge(point: Point, at: number): Judged {
    if (!point.ok) {
      return { state: 'unknown' };
    }
    switch (point.sample.status) {
      case 'gone':
      case 'closing':
        return { state: 'closing' };
      case 'starting':
        return { state: 'starting' };
      case 'doing':
      case null:
        break;
    }
    const { p, wm } = point;
    const movable = wm !== null || (p !== null && p < 1 - EPSILON);
    if (movable && at - point.movedAt >= this.stallMs) {
      return { state: 'stalled', crossing: point.movedAt + this.stallMs };
    }
    const threshold = this.lagThresholdMs(point);
    if (wm !== null && at - wm > threshold) {
      return { state: 'lagging', crossing: wm + threshold };
    }
    if (p !== null && p < 1 - EPSILON) {
      return { state: 'catching_up' };
    }
    return wm === null ? { state: 'unknown' } : { state: 'healthy' };
  }

  private lagThresholdMs(point: Point): number {
    return (
      (point.sample.rtcStatus === 'enabled' ? this.th.rtcLagThresholdSeconds : this.th.lagThresholdSeconds) *
      1000
    );
  }

  /** When `state` (the state now) began: see the notes at the top of the file. */
  private since(state: HealthState): number {
    const points = this.points;
    const lastIndex = points.length - 1;
    const last = points[lastIndex];
    let first = -1;
    for (let k = lastIndex; k >= 0; k -= 1) {
      const point = points[k];
      const after = points[k + 1];
      if (after && after.t - point.t > this.staleMs) {
        break;
      }
      if (this.judge(point, point.t).state !== state) {
        break;
      }
      first = k;
    }
    if (first < 0) {
      // The state began after the last sample: a threshold crossed since (stale, stalled, lagging).
      const crossing = this.judgeNow(last).crossing ?? last.t;
      return Math.min(this.now, Math.max(last.t, crossing));
    }
    const start = points[first];
    const before = points[first - 1];
    const crossing = this.judge(start, start.t).crossing;
    if (crossing !== undefined && before && crossing < start.t) {
      return Math.max(before.t, crossing);
    }
    return start.t;
  }

  /** Least-squares slope (fraction per hour) of the current segment's recent samples; null if unmeasurable. */
  private rate(good: Point): number | null {
    if (good.sample.status !== 'doing' || good.p === null || good.p >= 1 - EPSILON) {
      return null;
    }
    const segment: Point[] = [];
    for (let i = good.segmentStart; i <= this.points.indexOf(good); i += 1) {
      const point = this.points[i];
      if (point.ok && point.p !== null) {
        segment.push(point);
      }
    }
    const from = good.t - this.th.rateWindowSeconds * 1000;
    let window = segment.filter((point) => point.t >= from);
    if (window.length < 2) {
      window = segment.slice(-2);
    }
    if (window.length < 2) {
      return null;
    }
    const n = window.length;
    const meanT = window.reduce((sum, point) => sum + point.t, 0) / n;
    const meanP = window.reduce((sum, point) => sum + point.p!, 0) / n;
    let num = 0;
    let den = 0;
    for (const point of window) {
      const dt = (point.t - meanT) / HOUR_MS;
      num += dt * (point.p! - meanP);
      den += dt * dt;
    }
    if (den === 0) {
      return null;
    }
    // Within a segment the fraction never falls, so the slope is ≥ 0 but for rounding; a slope
    // below a billionth per hour is no measurable movement either.
    const slope = num / den;
    return slope < EPSILON ? 0 : slope;
  }

  private eta(good: Point, rate: number | null): number | null {
    if (rate === null || rate <= 0 || good.p === null || good.p >= 1 - EPSILON) {
      return null;
    }
    const eta = good.t + ((1 - good.p) / rate) * HOUR_MS;
    // Beyond what a Date can hold (a rate of almost nothing) is no estimate.
    return eta <= MAX_DATE_MS ? eta : null;
  }

  private health(
    state: HealthState,
    reasons: string[],
    since: string,
    good: Point | undefined,
  ): ReplicationHealth {
    const wm = good?.wm ?? null;
    const rate = good ? this.rate(good) : null;
    const eta = good ? this.eta(good, rate) : null;
    return {
      state,
      reasons,
      lagSeconds: wm === null ? null : Math.max(0, Math.round((this.now - wm) / 1000)),
      historicalObjectProgress: good?.p ?? null,
      historicalRatePerHour: rate,
      historicalEta: eta !== null && eta > this.now ? iso(eta) : null,
      since,
      sampledAt: good ? iso(good.t) : null,
    };
  }

  private reasons(state: HealthState, last: Point, good: Point | undefined): string[] {
    const reasons: string[] = [];
    switch (state) {
      case 'unknown':
        reasons.push(...this.unknownReasons(last, good));
        break;
      case 'closing':
        reasons.push(
          last.sample.status === 'gone'
            ? 'the rule no longer exists on OSS (deleted)'
            : 'the rule is being deleted (OSS status closing)',
        );
        break;
      case 'starting':
        reasons.push('OSS is starting the rule (status starting)');
        break;
      case 'stalled':
        reasons.push(`no progress for ${formatDuration(this.now - last.movedAt)}`);
        reasons.push(this.stuckFigures(last));
        break;
      case 'lagging':
        reasons.push(this.lagSentence(last));
        if (last.p !== null && last.p < 1 - EPSILON) {
          reasons.push(this.historicalSentence(last));
        }
        break;
      case 'catching_up':
        reasons.push(this.historicalSentence(last));
        break;
      case 'healthy':
        reasons.push(this.lagSentence(last));
        break;
    }
    if (good && good.sample.status === 'doing') {
      reasons.push(...this.notes(good));
    }
    return reasons;
  }

  private unknownReasons(last: Point, good: Point | undefined): string[] {
    if (this.now - last.t > this.staleMs) {
      return [
        `no sample for ${formatDuration(this.now - last.t)} (the last at ${iso(last.t)}); the sampler may not be running`,
      ];
    }
    if (!last.ok) {
      let failed = 0;
      let firstFailed = last;
      for (let k = this.points.length - 1; k >= 0 && !this.points[k].ok; k -= 1) {
        failed += 1;
        firstFailed = this.points[k]!;
      }
      const error = last.sample.error ?? 'no status reported';
      const head =
        failed === 1
          ? `the last progress read failed: ${error}`
          : `the last ${failed} progress reads failed (since ${iso(firstFailed.t)}): ${error}`;
      return good
        ? [head, `the figures are from the last good sample, at ${iso(good.t)}`]
        : [head, 'no progress read has succeeded yet'];
    }
    return ['OSS reports neither historical progress nor a new-object watermark for this rule'];
  }

  private lagSentence(point: Point): string {
    const lag = Math.max(0, this.now - point.wm!);
    const rtc = point.sample.rtcStatus === 'enabled' ? 'RTC threshold' : 'threshold';
    return `new objects are ${formatDuration(lag)} behind (${rtc} ${formatDuration(this.lagThresholdMs(point))})`;
  }

  private historicalSentence(point: Point): string {
    const rate = this.rate(point);
    const eta = this.eta(point, rate);
    const done = `historical replication ${formatPercent(point.p!)} done`;
    if (rate === null || rate <= 0) {
      return `${done}, no measurable rate yet`;
    }
    const pace = `${done} at ${formatPercent(rate)}/h`;
    if (eta === null || eta <= this.now) {
      return `${pace}; no ETA: at that rate it would be done already (waiting for a newer sample)`;
    }
    return `${pace}, ETA ${iso(eta)} (in ${formatDuration(eta - this.now)})`;
  }

  private stuckFigures(point: Point): string {
    const parts: string[] = [];
    if (point.p !== null && point.p < 1 - EPSILON) {
      parts.push(`historical progress stuck at ${formatPercent(point.p)}`);
    }
    if (point.wm !== null) {
      parts.push(`new objects replicated only until ${iso(point.wm)}`);
    }
    return `${parts.join('; ')} since ${iso(point.movedAt)}`;
  }

  /** Odd figures worth a sentence: backward jumps in the rate window, a watermark ahead of the clock. */
  private notes(good: Point): string[] {
    const notes: string[] = [];
    const from = this.now - this.th.rateWindowSeconds * 1000;
    const pJump = this.pJumps.filter((j) => j.t >= from && j.t <= good.t).at(-1);
    if (pJump) {
      notes.push(
        `historical progress went back from ${formatPercent(pJump.from)} to ${formatPercent(pJump.to)} at ${iso(pJump.t)} (OSS recounted); the rate counts only the samples since`,
      );
    }
    const wmJump = this.wmJumps.filter((j) => j.t >= from && j.t <= good.t).at(-1);
    if (wmJump) {
      notes.push(
        `the new-object watermark went back from ${iso(wmJump.from)} to ${iso(wmJump.to)} at ${iso(wmJump.t)}`,
      );
    }
    if (good.wm !== null && good.wm > this.now) {
      notes.push(
        `the new-object watermark is ${formatDuration(good.wm - this.now)} ahead of the gateway's clock; lag counted as 0`,
      );
    }
    return notes;
  }
}

/**
 * The health of one rule from its samples (oldest first; any order is tolerated), judged at `now`.
 * Pure: same samples, same `now`, same answer.
 */
export function computeReplicationHealth(
  samples: readonly ProgressSample[],
  now: Date,
  thresholds: Partial<HealthThresholds> = {},
): ReplicationHealth {
  const th: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  return new HealthComputation(samples, now.getTime(), th).result();
}
