import type { ContextScalar } from '../types.js';
import { defineOperator, type ConditionOperator, type ParsedValue, type ValueMatcher } from './operator.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const EPOCH_SECONDS = /^\d{1,12}(?:\.\d{1,9})?$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
}

function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millis = 0): number {
  // setUTCFullYear: Date.UTC would map years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  return d.getTime();
}

/**
 * Parses an instant to epoch milliseconds (sub-millisecond digits are truncated):
 * ISO-8601 date-time with `Z` or a numeric offset (`2019-08-12T17:00:00+08:00`, offsets normalised),
 * an ISO-8601 date (`2026-01-01` = midnight UTC), or epoch seconds (`1767225600`).
 * A date-time without an offset is ambiguous and is refused.
 */
export function parseInstant(raw: string): number | undefined {
  const text = raw.trim();
  if (EPOCH_SECONDS.test(text)) {
    return Math.trunc(Number(text) * 1000);
  }
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      return undefined;
    }
    return utc(year, month, day);
  }
  const m = DATE_TIME.exec(text);
  if (!m) {
    return undefined;
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offH = Number(m[10]);
    const offM = Number(m[11]);
    if (offH > 23 || offM > 59) {
      return undefined;
    }
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  return utc(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function parsePolicyDate(raw: string): ParsedValue<number> {
  const value = parseInstant(raw);
  return value === undefined
    ? {
        ok: false,
        message: `"${raw}" is not a date: use ISO-8601 with Z or an offset (2026-01-01T00:00:00Z), a date (2026-01-01) or epoch seconds`,
      }
    : { ok: true, value };
}

function requestInstant(r: ContextScalar): number | undefined {
  if (typeof r === 'number') {
    return Number.isFinite(r) && r >= 0 ? Math.trunc(r * 1000) : undefined;
  }
  return typeof r === 'string' ? parseInstant(r) : undefined;
}

function comparing(
  compare: (request: number, policy: number) => boolean,
): (values: number[]) => ValueMatcher {
  return (values) => (r) => {
    const t = requestInstant(r);
    return t === undefined ? undefined : values.some((v) => compare(t, v));
  };
}

/** Date family: values compare as instants, whatever offset they were written in. */
export const dateOperators: readonly ConditionOperator[] = [
  defineOperator(
    'DateEquals',
    false,
    parsePolicyDate,
    comparing((r, p) => r === p),
  ),
  defineOperator(
    'DateNotEquals',
    true,
    parsePolicyDate,
    comparing((r, p) => r === p),
  ),
  defineOperator(
    'DateLessThan',
    false,
    parsePolicyDate,
    comparing((r, p) => r < p),
  ),
  defineOperator(
    'DateLessThanEquals',
    false,
    parsePolicyDate,
    comparing((r, p) => r <= p),
  ),
  defineOperator(
    'DateGreaterThan',
    false,
    parsePolicyDate,
    comparing((r, p) => r > p),
  ),
  defineOperator(
    'DateGreaterThanEquals',
    false,
    parsePolicyDate,
    comparing((r, p) => r >= p),
  ),
];
