import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProgressSample } from '../domain/progress-sample.js';
import {
  computeReplicationHealth,
  formatDuration,
  formatPercent,
  type HealthThresholds,
  type ReplicationHealth,
} from './replication-health.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number): Date => new Date(T0 + minutes * MIN);
const isoAt = (minutes: number): string => at(minutes).toISOString();

/** A `doing` sample at minute `m`: historical fraction `p`, watermark `lagMin` minutes behind the sample. */
function doing(
  m: number,
  p: number | null,
  lagMin: number | null = 0.5,
  extra: Partial<ProgressSample> = {},
) {
  return sample(m, {
    status: 'doing',
    historicalObjectProgress: p,
    newObjectsReplicatedUntil: lagMin === null ? null : at(m - lagMin),
    ...extra,
  });
}

/** A `doing` sample whose watermark is a fixed minute (a frozen or jumping watermark). */
function doingWm(m: number, p: number | null, wmMinute: number, extra: Partial<ProgressSample> = {}) {
  return doing(m, p, null, { newObjectsReplicatedUntil: at(wmMinute), ...extra });
}

function sample(m: number, fields: Partial<ProgressSample> = {}): ProgressSample {
  return {
    time: at(m),
    status: 'doing',
    historicalObjectProgress: null,
    newObjectsReplicatedUntil: null,
    rtcStatus: 'disabled',
    ...fields,
  };
}

function failed(m: number, error = 'UPSTREAM_TIMEOUT: OSS did not answer within 15 s'): ProgressSample {
  return {
    time: at(m),
    status: null,
    historicalObjectProgress: null,
    newObjectsReplicatedUntil: null,
    rtcStatus: null,
    error,
  };
}

/** Every `step` minutes from `from` to `to` inclusive. */
function minutes(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let m = from; m <= to + 1e-9; m += step) {
    out.push(m);
  }
  return out;
}

interface Case {
  name: string;
  samples: ProgressSample[];
  /** Minutes after T0. */
  now: number;
  thresholds?: Partial<HealthThresholds>;
  expect: Partial<ReplicationHealth>;
  /** Each must match one of the reasons. */
  reasons?: RegExp[];
  /** None may match any reason. */
  notReasons?: RegExp[];
  check?: (h: ReplicationHealth) => void;
}

const cases: Case[] = [
  {
    name: 'no sample yet: unknown since now',
    samples: [],
    now: 5,
    expect: {
      state: 'unknown',
      reasons: ['no progress sample yet'],
      since: isoAt(5),
      sampledAt: null,
      lagSeconds: null,
      historicalObjectProgress: null,
      historicalRatePerHour: null,
      historicalEta: null,
    },
  },
  {
    name: 'starting follows OSS status, since the first starting sample',
    samples: [sample(0, { status: 'starting' }), sample(1, { status: 'starting' })],
    now: 1.5,
    expect: { state: 'starting', since: isoAt(0), sampledAt: isoAt(1) },
    reasons: [/status starting/],
  },
  {
    name: 'historical replication progressing: catching_up with a least-squares rate and an ETA',
    // 0.1 → 0.3 in 20 minutes: 0.6 per hour; 0.7 left → 70 min after the last sample.
    samples: [doing(0, 0.1), doing(10, 0.2), doing(20, 0.3)],
    now: 21,
    expect: {
      state: 'catching_up',
      historicalObjectProgress: 0.3,
      historicalEta: isoAt(90),
      since: isoAt(0),
      sampledAt: isoAt(20),
      lagSeconds: 90,
    },
    reasons: [/^historical replication 30% done at 60%\/h, ETA 2026-03-01T11:30:00.000Z \(in 69 min\)$/],
    check: (h) => expect(h.historicalRatePerHour).toBeCloseTo(0.6, 10),
  },
  {
    name: 'rule turned doing after starting: catching_up since the first doing sample',
    samples: [sample(0, { status: 'starting' }), doing(1, 0), doing(2, 0.01)],
    now: 2,
    expect: { state: 'catching_up', since: isoAt(1) },
  },
  {
    name: 'historical done and watermark keeping up: healthy, the lag in the reasons',
    samples: [doing(0, 1, 0.2), doing(1, 1, 0.2), doing(2, 1, 0.2)],
    now: 2,
    expect: {
      state: 'healthy',
      lagSeconds: 12,
      historicalObjectProgress: 1,
      historicalRatePerHour: null,
      historicalEta: null,
      since: isoAt(0),
    },
    reasons: [/^new objects are 12 s behind \(threshold 15 min\)$/],
  },
  {
    name: 'historical replication off (no fraction): healthy on the watermark alone',
    samples: [doing(0, null), doing(5, null)],
    now: 5,
    expect: { state: 'healthy', historicalObjectProgress: null, historicalRatePerHour: null, lagSeconds: 30 },
  },
  {
    name: 'neither figure moved for longer than stallAfterSeconds: stalled since the threshold was crossed',
    // Both frozen from minute 10 (last move) to 50: stalled from minute 40.
    samples: [doingWm(0, 0.3, -1), doingWm(10, 0.4, 9), ...minutes(15, 50, 5).map((m) => doingWm(m, 0.4, 9))],
    now: 50,
    expect: { state: 'stalled', since: isoAt(40), historicalObjectProgress: 0.4, lagSeconds: 41 * 60 },
    reasons: [
      /^no progress for 40 min$/,
      /historical progress stuck at 40%; new objects replicated only until/,
    ],
  },
  {
    name: 'stalled after the last sample: since = the crossing, not a sample time',
    samples: [doingWm(0, 0.3, 0), doingWm(1, 0.3, 0), doingWm(2, 0.3, 0)],
    now: 31,
    thresholds: { staleAfterSeconds: 3600, lagThresholdSeconds: 7200 },
    expect: { state: 'stalled', since: isoAt(30) },
    reasons: [/^no progress for 31 min$/],
  },
  {
    name: 'observed for less than stallAfterSeconds without movement: not stalled yet',
    samples: minutes(0, 20, 5).map((m) => doingWm(m, 0.5, 0)),
    now: 20,
    thresholds: { lagThresholdSeconds: 7200 },
    expect: { state: 'catching_up' },
    check: (h) => expect(h.historicalRatePerHour).toBe(0),
    reasons: [/no measurable rate yet/],
  },
  {
    name: 'a frozen watermark while the fraction moves: not stalled, lagging once the lag passes the threshold',
    samples: minutes(0, 20, 5).map((m) => doingWm(m, 0.1 + m / 100, 0)),
    now: 20,
    expect: { state: 'lagging', lagSeconds: 1200, since: isoAt(15) },
    reasons: [/^new objects are 20 min behind \(threshold 15 min\)$/, /^historical replication 30% done/],
  },
  {
    name: 'a moving watermark 17 minutes behind: lagging',
    samples: minutes(0, 10, 2).map((m) => doing(m, 1, 17)),
    now: 10,
    expect: { state: 'lagging', lagSeconds: 17 * 60, since: isoAt(0) },
    reasons: [/^new objects are 17 min behind \(threshold 15 min\)$/],
  },
  {
    name: 'RTC rule: 12 minutes behind is lagging (RTC threshold 10 min)',
    samples: minutes(0, 4, 2).map((m) => doing(m, 1, 12, { rtcStatus: 'enabled' })),
    now: 4,
    expect: { state: 'lagging', lagSeconds: 720 },
    reasons: [/^new objects are 12 min behind \(RTC threshold 10 min\)$/],
  },
  {
    name: 'the same lag without RTC is healthy',
    samples: minutes(0, 4, 2).map((m) => doing(m, 1, 12, { rtcStatus: 'disabled' })),
    now: 4,
    expect: { state: 'healthy', lagSeconds: 720 },
  },
  {
    name: 'RTC still enabling: the normal threshold applies',
    samples: minutes(0, 4, 2).map((m) => doing(m, 1, 12, { rtcStatus: 'enabling' })),
    now: 4,
    expect: { state: 'healthy' },
  },
  {
    name: 'RTC threshold is configurable',
    samples: [doing(0, 1, 6, { rtcStatus: 'enabled' })],
    now: 0,
    thresholds: { rtcLagThresholdSeconds: 300 },
    expect: { state: 'lagging' },
    reasons: [/\(RTC threshold 5 min\)/],
  },
  {
    name: 'progress jumping back: the rate uses only the samples since, never negative, and says so',
    samples: [doing(0, 0.5), doing(10, 0.6), doing(20, 0.3), doing(30, 0.35), doing(40, 0.4)],
    now: 40,
    expect: { state: 'catching_up', historicalObjectProgress: 0.4, historicalEta: isoAt(40 + 120) },
    reasons: [
      /^historical progress went back from 60% to 30% at 2026-03-01T10:20:00.000Z \(OSS recounted\); the rate counts only the samples since$/,
    ],
    check: (h) => expect(h.historicalRatePerHour).toBeCloseTo(0.3, 10),
  },
  {
    name: 'progress just jumped back (one sample since): no rate, no ETA, not stalled',
    samples: [doing(0, 0.5), doing(10, 0.6), doing(20, 0.3)],
    now: 20,
    expect: { state: 'catching_up', historicalRatePerHour: null, historicalEta: null },
    reasons: [/went back from 60% to 30%/, /no measurable rate yet/],
  },
  {
    name: 'a backward jump is not progress: frozen after it, the rule stalls',
    samples: [doingWm(0, 0.6, 0), doingWm(5, 0.2, 0), ...minutes(10, 40, 10).map((m) => doingWm(m, 0.2, 0))],
    now: 40,
    thresholds: { lagThresholdSeconds: 7200 },
    expect: { state: 'stalled', since: isoAt(30) },
    reasons: [/^no progress for 40 min$/],
  },
  {
    name: 'watermark jumping back: noted, lag as OSS reports it',
    samples: [doingWm(0, 1, 0), doingWm(1, 1, 1), doingWm(2, 1, 0.5)],
    now: 2,
    expect: { state: 'healthy', lagSeconds: 90 },
    reasons: [
      /^the new-object watermark went back from 2026-03-01T10:01:00.000Z to 2026-03-01T10:00:30.000Z/,
    ],
  },
  {
    name: 'watermark ahead of the gateway clock: lag 0, noted',
    samples: [doingWm(0, 1, 2)],
    now: 0,
    expect: { state: 'healthy', lagSeconds: 0 },
    reasons: [/ahead of the gateway's clock; lag counted as 0/],
  },
  {
    name: 'a rule deleted mid-way: closing, then gone — closing since the first closing sample',
    samples: [doing(0, 1), doing(1, 1), sample(2, { status: 'closing' }), sample(3, { status: 'gone' })],
    now: 3,
    expect: { state: 'closing', since: isoAt(2), sampledAt: isoAt(3) },
    reasons: [/no longer exists on OSS/],
  },
  {
    name: 'closing (not gone yet) says so',
    samples: [doing(0, 1), sample(1, { status: 'closing' })],
    now: 1,
    expect: { state: 'closing', since: isoAt(1) },
    reasons: [/being deleted \(OSS status closing\)/],
  },
  {
    name: 'the last reads failed: unknown since the first failure, figures from the last good sample',
    samples: [doing(0, 0.2), doing(1, 0.3), failed(2), failed(3)],
    now: 3,
    expect: { state: 'unknown', since: isoAt(2), sampledAt: isoAt(1), historicalObjectProgress: 0.3 },
    reasons: [
      /^the last 2 progress reads failed \(since 2026-03-01T10:02:00.000Z\): UPSTREAM_TIMEOUT/,
      /last good sample, at 2026-03-01T10:01:00.000Z/,
    ],
  },
  {
    name: 'one failed read',
    samples: [doing(0, 1), failed(1, 'AccessDenied: You have no right to access this object')],
    now: 1,
    expect: { state: 'unknown', since: isoAt(1) },
    reasons: [/^the last progress read failed: AccessDenied/],
  },
  {
    name: 'no read ever succeeded: unknown, no figures',
    samples: [failed(0), failed(1)],
    now: 1,
    expect: { state: 'unknown', sampledAt: null, lagSeconds: null, since: isoAt(0) },
    reasons: [/no progress read has succeeded yet/],
  },
  {
    name: 'recovered after failures: the state since the first good sample after them',
    samples: [doing(0, 1), failed(1), failed(2), doing(3, 1), doing(4, 1)],
    now: 4,
    expect: { state: 'healthy', since: isoAt(3) },
  },
  {
    name: 'stalled across failed reads: failures in between do not count as movement',
    samples: [doingWm(0, 0.5, 0), failed(10), failed(20), doingWm(35, 0.5, 0)],
    now: 35,
    thresholds: { lagThresholdSeconds: 7200 },
    expect: { state: 'stalled' },
  },
  {
    name: 'no sample for longer than staleAfterSeconds: unknown since the staleness began',
    samples: [doing(0, 1), doing(1, 1)],
    now: 46,
    expect: { state: 'unknown', since: isoAt(31), sampledAt: isoAt(1) },
    reasons: [
      /^no sample for 45 min \(the last at 2026-03-01T10:01:00.000Z\); the sampler may not be running$/,
    ],
  },
  {
    name: 'a gap longer than staleAfterSeconds ends the walk back: since = the first sample after it',
    samples: [doing(0, 1), doing(1, 1), doing(180, 1), doing(181, 1)],
    now: 181,
    expect: { state: 'healthy', since: isoAt(180) },
  },
  {
    name: 'a gap in the rate window: the slope over the window, ETA from the last sample',
    // Samples at 0, 5 (in an older hour) then 70 and 80: the window (last hour before 80) holds 70 and 80 only.
    samples: [doing(0, 0.1), doing(5, 0.2), doing(70, 0.5), doing(80, 0.6)],
    now: 80,
    thresholds: { staleAfterSeconds: 7200 },
    expect: { state: 'catching_up', historicalEta: isoAt(80 + 40) },
    check: (h) => expect(h.historicalRatePerHour).toBeCloseTo(0.6, 10),
  },
  {
    name: 'only samples older than the window: the last two still give a rate',
    samples: [doing(0, 0.1), doing(100, 0.2)],
    now: 100,
    thresholds: { staleAfterSeconds: 7200 },
    expect: { state: 'catching_up' },
    check: (h) => expect(h.historicalRatePerHour).toBeCloseTo(0.06, 10),
  },
  {
    name: 'duplicate timestamps: the last given wins, no division by zero',
    samples: [doing(0, 0.1), doing(10, 0.15), doing(10, 0.2)],
    now: 10,
    expect: { state: 'catching_up', historicalObjectProgress: 0.2 },
    check: (h) => expect(h.historicalRatePerHour).toBeCloseTo(0.6, 10),
  },
  {
    name: 'only duplicates of one instant: no rate',
    samples: [doing(0, 0.1), doing(0, 0.2)],
    now: 0,
    expect: { state: 'catching_up', historicalObjectProgress: 0.2, historicalRatePerHour: null },
  },
  {
    name: 'an ETA that would already be past is not given',
    // 0.9 → 0.99 in 10 minutes (0.54/h): done ~1 min after minute 10; asked at minute 24.
    samples: [doing(0, 0.9, 0.1), doing(10, 0.99, 0.1)],
    now: 24,
    expect: { state: 'catching_up', historicalEta: null },
    reasons: [/no ETA: at that rate it would be done already/],
  },
  {
    name: 'doing without any figure: unknown (nothing to judge by)',
    samples: [doing(0, null, null), doing(1, null, null)],
    now: 1,
    expect: { state: 'unknown', since: isoAt(0) },
    reasons: [/neither historical progress nor a new-object watermark/],
  },
  {
    name: 'lagging after the last sample: since = when the lag crossed the threshold',
    samples: [doingWm(0, 1, 0), doingWm(10, 1, 10), doingWm(14, 1, 10)],
    now: 26,
    expect: { state: 'lagging', since: isoAt(25), lagSeconds: 16 * 60 },
  },
  {
    name: 'lagging began between two samples: since = the crossing by the newer watermark',
    // Healthy at minute 10 (10 min behind); at 20 the watermark says 10:00:30, 15 min behind from 10:15:30.
    samples: [doingWm(0, 1, 0), doingWm(10, 1, 0), doingWm(20, 1, 0.5)],
    now: 20,
    thresholds: { stallAfterSeconds: 3600 },
    expect: { state: 'lagging', since: '2026-03-01T10:15:30.000Z' },
  },
  {
    name: 'fractions outside 0..1 are clamped',
    samples: [doing(0, 1.2), doing(1, -0.5, 0.5, { status: 'starting' })],
    now: 1,
    expect: { state: 'starting', historicalObjectProgress: 0 },
  },
];

describe(computeReplicationHealth.name, () => {
  it.each(cases)('$name', (c) => {
    const health = computeReplicationHealth(c.samples, at(c.now), c.thresholds);
    expect(health).toMatchObject(c.expect);
    for (const pattern of c.reasons ?? []) {
      expect(
        health.reasons.some((r) => pattern.test(r)),
        `${String(pattern)} in ${health.reasons.join(' | ')}`,
      ).toBe(true);
    }
    for (const pattern of c.notReasons ?? []) {
      expect(health.reasons.some((r) => pattern.test(r))).toBe(false);
    }
    c.check?.(health);
  });

  it('ignores the input order (samples are sorted)', () => {
    const ordered = [doing(0, 0.1), doing(10, 0.2), failed(15), doing(20, 0.3)];
    const shuffled = [ordered[2], ordered[0], ordered[3], ordered[1]];
    expect(computeReplicationHealth(shuffled, at(21))).toEqual(computeReplicationHealth(ordered, at(21)));
  });

  it('never gives a negative rate or lag, nor an ETA before now, whatever the figures do', () => {
    const figure = fc.record({
      step: fc.integer({ min: 0, max: 20 }),
      p: fc.option(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { nil: null }),
      wm: fc.option(fc.integer({ min: -60, max: 5 }), { nil: null }),
      status: fc.constantFrom('starting', 'doing', 'doing', 'doing', 'closing', 'gone', null),
      fail: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(figure, { maxLength: 40 }), fc.integer({ min: 0, max: 120 }), (rows, extra) => {
        let m = 0;
        const samples = rows.map((r) => {
          m += r.step;
          return r.fail || r.status === null
            ? failed(m)
            : doing(m, r.p, null, {
                status: r.status,
                newObjectsReplicatedUntil: r.wm === null ? null : at(m + r.wm),
              });
        });
        const now = at(m + extra);
        const h = computeReplicationHealth(samples, now);
        expect(h.historicalRatePerHour === null || h.historicalRatePerHour >= 0).toBe(true);
        expect(h.lagSeconds === null || h.lagSeconds >= 0).toBe(true);
        expect(h.historicalEta === null || Date.parse(h.historicalEta) > now.getTime()).toBe(true);
        expect(Date.parse(h.since)).toBeLessThanOrEqual(now.getTime());
        expect(h.reasons.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('health sentences', () => {
  it.each([
    [12_000, '12 s'],
    [89_000, '89 s'],
    [34 * MIN, '34 min'],
    [125 * MIN, '2 h 5 min'],
    [120 * MIN, '2 h'],
    [50 * 60 * MIN, '2 d 2 h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [0.42, '42%'],
    [0.4213, '42.1%'],
    [1, '100%'],
  ])('formats %d as %s', (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
});
