/**
 * The emulator's notion of time: a base clock (real time, or `EmulatorOptions.clock`) plus an
 * offset that only grows. Tests move it forward (`POST /__emulator/clock`, `admin.advanceClock`) so
 * that "34 minutes without progress" happens in milliseconds; it never goes backwards.
 *
 * Replication (progress, watermark, status transitions) and the timestamps the emulator reports
 * (`Date`, `Last-Modified`, bucket creation, `NewObject`) follow this clock. Signatures and presigned
 * URLs are checked against the base clock: clients keep signing with their own time.
 */
export class ClockMoveError extends Error {
  constructor(
    readonly field: 'advanceMs' | 'set' | 'body',
    message: string,
  ) {
    super(message);
  }
}

/** Farthest one move may go (about ten years): beyond that a caller has made a mistake. */
export const MAX_CLOCK_MOVE_MS = 10 * 366 * 24 * 3600 * 1000;

export type ClockMove = { advanceMs: number } | { set: Date };

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds of an ISO-8601 time with a zone; NaN unless every field is in range (no 30 February). */
function parseIsoTime(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) {
    return Number.NaN;
  }
  const ms = Date.parse(text);
  const offsetMin = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const wall = new Date(ms + offsetMin * 60_000);
  const same =
    wall.getUTCFullYear() === Number(m[1]) &&
    wall.getUTCMonth() + 1 === Number(m[2]) &&
    wall.getUTCDate() === Number(m[3]) &&
    wall.getUTCHours() === Number(m[4]) &&
    wall.getUTCMinutes() === Number(m[5]) &&
    (m[6] === undefined || wall.getUTCSeconds() === Number(m[6]));
  return same ? ms : Number.NaN;
}

/** Validates a `POST /__emulator/clock` body: exactly one of `advanceMs` (ms ≥ 0) or `set` (ISO-8601 with zone). */
export function parseClockMove(raw: unknown): ClockMove {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ClockMoveError('body', 'body must be a JSON object with advanceMs or set');
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'advanceMs' && k !== 'set') {
      throw new ClockMoveError('body', `unknown field ${k}`);
    }
  }
  if ((o.advanceMs === undefined) === (o.set === undefined)) {
    throw new ClockMoveError('body', 'give exactly one of advanceMs or set');
  }
  if (o.advanceMs !== undefined) {
    const v = o.advanceMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_CLOCK_MOVE_MS) {
      throw new ClockMoveError(
        'advanceMs',
        `advanceMs must be an integer between 0 and ${MAX_CLOCK_MOVE_MS} (the clock never goes backwards)`,
      );
    }
    return { advanceMs: v };
  }
  const v = o.set;
  const ms = typeof v === 'string' ? parseIsoTime(v) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ClockMoveError('set', 'set must be an ISO-8601 time with a zone, e.g. 2025-04-17T16:00:00Z');
  }
  return { set: new Date(ms) };
}

export class EmulatorClock {
  private offset = 0;

  constructor(readonly base: () => Date = () => new Date()) {}

  /** The emulator's current time. */
  readonly now = (): Date => new Date(this.base().getTime() + this.offset);

  /** How far the emulator's time is ahead of the base clock. */
  get offsetMs(): number {
    return this.offset;
  }

  /**
   * Moves the clock forward; returns how far it moved (ms).
   * @throws ClockMoveError for a negative or too large move, or a time before now.
   */
  move(move: ClockMove): number {
    let by: number;
    if ('advanceMs' in move) {
      by = move.advanceMs;
      if (!Number.isInteger(by) || by < 0 || by > MAX_CLOCK_MOVE_MS) {
        throw new ClockMoveError(
          'advanceMs',
          `advanceMs must be an integer between 0 and ${MAX_CLOCK_MOVE_MS} (the clock never goes backwards)`,
        );
      }
    } else {
      const now = this.now();
      by = move.set.getTime() - now.getTime();
      if (!Number.isFinite(by) || by < 0) {
        throw new ClockMoveError(
          'set',
          `set must not be before the emulator's time ${now.toISOString()} (the clock never goes backwards)`,
        );
      }
      if (by > MAX_CLOCK_MOVE_MS) {
        throw new ClockMoveError(
          'set',
          `set must be at most ${MAX_CLOCK_MOVE_MS} ms after the emulator's time`,
        );
      }
    }
    this.offset += by;
    return by;
  }
}
