import type { ContextScalar } from '../types.js';
import { defineOperator, type ConditionOperator, type ParsedValue, type ValueMatcher } from './operator.js';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a decimal number (no hex, no empty string, no `Infinity`). */
export function parseNumber(raw: string): number | undefined {
  const trimmed = raw.trim();
  if (!DECIMAL.test(trimmed)) {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

function parsePolicyNumber(raw: string): ParsedValue<number> {
  const value = parseNumber(raw);
  return value === undefined
    ? { ok: false, message: `"${raw}" is not a decimal number` }
    : { ok: true, value };
}

function requestNumber(r: ContextScalar): number | undefined {
  if (typeof r === 'number') {
    return Number.isFinite(r) ? r : undefined;
  }
  return typeof r === 'string' ? parseNumber(r) : undefined;
}

function comparing(
  compare: (request: number, policy: number) => boolean,
): (values: number[]) => ValueMatcher {
  return (values) => (r) => {
    const n = requestNumber(r);
    return n === undefined ? undefined : values.some((v) => compare(n, v));
  };
}

/** Numeric family: values compare as numbers (10 > 9), never lexicographically. */
export const numericOperators: readonly ConditionOperator[] = [
  defineOperator(
    'NumericEquals',
    false,
    parsePolicyNumber,
    comparing((r, p) => r === p),
  ),
  defineOperator(
    'NumericNotEquals',
    true,
    parsePolicyNumber,
    comparing((r, p) => r === p),
  ),
  defineOperator(
    'NumericLessThan',
    false,
    parsePolicyNumber,
    comparing((r, p) => r < p),
  ),
  defineOperator(
    'NumericLessThanEquals',
    false,
    parsePolicyNumber,
    comparing((r, p) => r <= p),
  ),
  defineOperator(
    'NumericGreaterThan',
    false,
    parsePolicyNumber,
    comparing((r, p) => r > p),
  ),
  defineOperator(
    'NumericGreaterThanEquals',
    false,
    parsePolicyNumber,
    comparing((r, p) => r >= p),
  ),
];
