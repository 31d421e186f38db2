import { type ClockMove, ClockMoveError, type EmulatorClock, parseClockMove } from '../emulator-clock.js';
import type { ReplicationEngine } from '../replication/replication-engine.js';
import { readBody, type Exchange } from './exchange.js';
import { readJson, sendJson } from './faults-admin.js';

/**
 * The clock admin endpoint (JSON, no signature; with fault injection on):
 * - `GET /__emulator/clock` → `200 {now, offsetMs}`: the emulator's time (ISO-8601) and how far it is
 *   ahead of the base clock.
 * - `POST /__emulator/clock` with `{advanceMs: N}` or `{set: "2025-04-17T16:00:00Z"}` moves it
 *   forward, runs replication for the time that passed (objectsPerSecond × the jump; paused rules
 *   stay, slowed rules take their factor; due status changes happen) and answers
 *   `200 {now, offsetMs, advancedMs, replicated}`. A move backwards, or a bad body, is
 *   `400 {error, field}` (`advanceMs`, `set` or `body`).
 * See emulator-clock.ts for what follows the clock.
 */
export const CLOCK_PATH = '/__emulator/clock';

export function isClockAdminPath(path: string): boolean {
  return path === CLOCK_PATH;
}

export interface ClockView {
  now: string;
  offsetMs: number;
}

export interface ClockMoved extends ClockView {
  advancedMs: number;
  /** Replication steps the move performed. */
  replicated: number;
}

export function clockView(clock: EmulatorClock): ClockView {
  return { now: clock.now().toISOString(), offsetMs: clock.offsetMs };
}

/**
 * Moves the emulator clock forward and lets replication catch up with the time that passed.
 * @throws ClockMoveError naming the field for a move backwards or out of range.
 */
export function moveClock(clock: EmulatorClock, engine: ReplicationEngine, move: ClockMove): ClockMoved {
  const advancedMs = clock.move(move);
  const replicated = engine.elapse(advancedMs);
  return { ...clockView(clock), advancedMs, replicated };
}

export async function handleClockAdmin(
  clock: EmulatorClock,
  engine: ReplicationEngine,
  exchange: Exchange,
): Promise<void> {
  const json = (status: number, value: unknown): void => sendJson(exchange, clock.now, status, value);
  const { method } = exchange;
  if (method === 'POST') {
    const body = await readJson(exchange);
    if (body === undefined) {
      json(400, { error: 'body must be JSON', field: 'body' });
      return;
    }
    try {
      json(200, moveClock(clock, engine, parseClockMove(body.value)));
    } catch (err) {
      if (!(err instanceof ClockMoveError)) {
        throw err;
      }
      json(400, { error: err.message, field: err.field });
    }
    return;
  }
  await readBody(exchange.req);
  if (method === 'GET') {
    json(200, clockView(clock));
  } else {
    exchange.res.setHeader('allow', 'GET, POST');
    json(405, { error: 'use GET or POST on /__emulator/clock' });
  }
}
