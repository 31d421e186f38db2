import { DomainError } from '../../common/errors/domain-error.js';

/*
 * Opaque cursors of the fleet and of a rule's history: base64url of a versioned JSON array. A cursor
 * is a position in the order (not an offset), so a page never repeats or skips a rule because rules
 * before it moved; ties are broken by (account, bucket, rule id), which is unique.
 */

/**
 * A position in the fleet's order: severity rank, the new-object watermark in ms (oldest first = the
 * largest lag first; `NO_WATERMARK` without one), account, bucket, rule id. The watermark rather than
 * the lag: a lag grows while pages are read, a watermark does not, so a page boundary stays put.
 */
export type FleetPosition = readonly [
  rank: number,
  watermark: number,
  account: string,
  bucket: string,
  ruleId: string,
];

/** Rules without a watermark sort after those with one (their lag is unknown). */
export const NO_WATERMARK = Number.MAX_SAFE_INTEGER;

function invalid(field = 'after'): DomainError {
  return DomainError.validation([{ field, message: `${field} must be a nextCursor returned by this API` }]);
}

function decodeJson(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) {
    throw invalid();
  }
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw invalid();
  }
}

const encodeJson = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function encodeFleetCursor(position: FleetPosition): string {
  return encodeJson(['f1', ...position]);
}

export function decodeFleetCursor(cursor: string): FleetPosition {
  const value = decodeJson(cursor);
  if (!Array.isArray(value) || value.length !== 6 || value[0] !== 'f1') {
    throw invalid();
  }
  const [, rank, watermark, account, bucket, ruleId] = value as unknown[];
  if (
    !Number.isInteger(rank) ||
    !Number.isSafeInteger(watermark) ||
    typeof account !== 'string' ||
    typeof bucket !== 'string' ||
    typeof ruleId !== 'string'
  ) {
    throw invalid();
  }
  return [rank as number, watermark as number, account, bucket, ruleId];
}

/** A position in a rule's history: the time of the last sample of the previous page. */
export function encodeHistoryCursor(time: Date): string {
  return encodeJson(['h1', time.toISOString()]);
}

export function decodeHistoryCursor(cursor: string): Date {
  const value = decodeJson(cursor);
  if (!Array.isArray(value) || value.length !== 2 || value[0] !== 'h1' || typeof value[1] !== 'string') {
    throw invalid();
  }
  const time = new Date(value[1]);
  if (Number.isNaN(time.getTime())) {
    throw invalid();
  }
  return time;
}
