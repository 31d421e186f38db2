import { compileGlob } from '../glob.js';
import type { ContextScalar } from '../types.js';
import { defineOperator, scalarToString, type ConditionOperator, type ValueMatcher } from './operator.js';

const anyString = (raw: string) => ({ ok: true as const, value: raw });

function equalsMatcher(values: string[]): ValueMatcher {
  if (values.length === 1) {
    const only = values[0];
    return (r: ContextScalar) => scalarToString(r) === only;
  }
  const set = new Set(values);
  return (r: ContextScalar) => set.has(scalarToString(r));
}

function equalsIgnoreCaseMatcher(values: string[]): ValueMatcher {
  const set = new Set(values.map((v) => v.toLowerCase()));
  return (r: ContextScalar) => set.has(scalarToString(r).toLowerCase());
}

function likeMatcher(values: string[]): ValueMatcher {
  const globs = values.map((v) => compileGlob(v, false));
  return (r: ContextScalar) => {
    const s = scalarToString(r);
    return globs.some((g) => g.test(s));
  };
}

/** String family: `StringEquals`/`StringNotEquals` and `…Like` are case-sensitive; `…IgnoreCase` folds case. */
export const stringOperators: readonly ConditionOperator[] = [
  defineOperator('StringEquals', false, anyString, equalsMatcher),
  defineOperator('StringNotEquals', true, anyString, equalsMatcher),
  defineOperator('StringEqualsIgnoreCase', false, anyString, equalsIgnoreCaseMatcher),
  defineOperator('StringNotEqualsIgnoreCase', true, anyString, equalsIgnoreCaseMatcher),
  defineOperator('StringLike', false, anyString, likeMatcher),
  defineOperator('StringNotLike', true, anyString, likeMatcher),
];
