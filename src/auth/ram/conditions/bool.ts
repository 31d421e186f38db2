import type { ContextScalar } from '../types.js';
import { defineOperator, type ConditionOperator, type ParsedValue } from './operator.js';

function parsePolicyBool(raw: string): ParsedValue<boolean> {
  if (raw === 'true' || raw === 'false') {
    return { ok: true, value: raw === 'true' };
  }
  return { ok: false, message: `"${raw}" is not a Bool value: use "true" or "false"` };
}

function requestBool(r: ContextScalar): boolean | undefined {
  if (typeof r === 'boolean') {
    return r;
  }
  if (typeof r === 'string') {
    const folded = r.toLowerCase();
    return folded === 'true' ? true : folded === 'false' ? false : undefined;
  }
  return undefined;
}

/** Bool: `"true"`/`"false"` in the policy; the request may carry a boolean or the same strings. */
export const boolOperators: readonly ConditionOperator[] = [
  defineOperator('Bool', false, parsePolicyBool, (values) => (r) => {
    const b = requestBool(r);
    return b === undefined ? undefined : values.includes(b);
  }),
];
