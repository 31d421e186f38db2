import { describe, expect, it } from 'vitest';
import { ClockMoveError, EmulatorClock, MAX_CLOCK_MOVE_MS, parseClockMove } from './emulator-clock.js';

const T0 = Date.parse('2025-04-17T15:00:00.000Z');

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ClockMoveError) {
      return err.field;
    }
    throw err;
  }
  throw new Error('expected a ClockMoveError');
}

describe(EmulatorClock.name, () => {
  it('runs with its base clock until moved, then stays ahead of it by the moves', () => {
    let base = T0;
    const clock = new EmulatorClock(() => new Date(base));
    expect(clock.now().getTime()).toBe(T0);
    base += 500;
    expect(clock.now().getTime()).toBe(T0 + 500);
    expect(clock.move({ advanceMs: 34 * 60_000 })).toBe(34 * 60_000);
    expect(clock.now().toISOString()).toBe('2025-04-17T15:34:00.500Z');
    expect(clock.move({ set: new Date('2025-04-17T16:00:00Z') })).toBe(26 * 60_000 - 500);
    expect(clock.offsetMs).toBe(60 * 60_000 - 500);
    base += 1000;
    expect(clock.now().toISOString()).toBe('2025-04-17T16:00:01.000Z');
    expect(clock.base().getTime()).toBe(T0 + 1500);
  });

  it('never goes backwards', () => {
    const clock = new EmulatorClock(() => new Date(T0));
    clock.move({ advanceMs: 1000 });
    expect(fieldOf(() => clock.move({ set: new Date(T0) }))).toBe('set');
    expect(fieldOf(() => clock.move({ advanceMs: -1 }))).toBe('advanceMs');
    expect(clock.now().getTime()).toBe(T0 + 1000);
    expect(clock.move({ set: new Date(T0 + 1000) })).toBe(0);
  });
});

describe(parseClockMove.name, () => {
  it('reads advanceMs or set', () => {
    expect(parseClockMove({ advanceMs: 0 })).toEqual({ advanceMs: 0 });
    expect(parseClockMove({ set: '2025-04-17T16:00:00+08:00' })).toEqual({
      set: new Date('2025-04-17T08:00:00Z'),
    });
  });

  it.each([
    [null, 'body'],
    [[], 'body'],
    [{}, 'body'],
    [{ advanceMs: 1, set: '2025-04-17T16:00:00Z' }, 'body'],
    [{ advanceMs: 1, by: 2 }, 'body'],
    [{ advanceMs: -1 }, 'advanceMs'],
    [{ advanceMs: 1.5 }, 'advanceMs'],
    [{ advanceMs: '1000' }, 'advanceMs'],
    [{ advanceMs: MAX_CLOCK_MOVE_MS + 1 }, 'advanceMs'],
    [{ set: 'tomorrow' }, 'set'],
    [{ set: '2025-04-17' }, 'set'],
    [{ set: '2025-04-17T16:00:00' }, 'set'],
    [{ set: '2025-02-30T16:00:00Z' }, 'set'],
    [{ set: 1745000000000 }, 'set'],
  ])('refuses %j naming %s', (body, field) => {
    expect(fieldOf(() => parseClockMove(body))).toBe(field);
  });
});
