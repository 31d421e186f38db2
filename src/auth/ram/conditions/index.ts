import type { ContextScalar, ContextValue } from '../types.js';
import { boolOperators } from './bool.js';
import { dateOperators } from './date.js';
import { ipOperators } from './ip.js';
import { numericOperators } from './numeric.js';
import type { ConditionOperator, ValueMatcher } from './operator.js';
import { stringOperators } from './string.js';

export type { ConditionOperator, ValueMatcher } from './operator.js';

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** Every supported operator by its exact (case-sensitive) name. */
export const CONDITION_OPERATORS: ReadonlyMap<string, ConditionOperator> = new Map(
  [...stringOperators, ...numericOperators, ...dateOperators, ...boolOperators, ...ipOperators].map((op) => [
    op.name,
    op,
  ]),
);

/** An operator name as written in a policy, split into qualifier, operator and `IfExists`. */
export interface ResolvedOperator {
  operator: ConditionOperator;
  qualifier: SetQualifier | undefined;
  ifExists: boolean;
}

const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  IpAddressIncludeBorder:
    'IpAddressIncludeBorder is listed by OSS without documented semantics and is not supported',
  NotIpAddressIncludeBorder: 'NotIpAddressIncludeBorder has no documented semantics and is not supported',
  Null: 'the Null operator is not part of RAM and is not supported',
};

/** Resolves `ForAllValues:StringEqualsIfExists` and friends; a string explaining why otherwise. */
export function resolveOperator(name: string): ResolvedOperator | string {
  let rest = name;
  let qualifier: SetQualifier | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    if (prefix !== 'ForAnyValue' && prefix !== 'ForAllValues') {
      return `unknown set qualifier "${prefix}" (use ForAnyValue: or ForAllValues:)`;
    }
    qualifier = prefix;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const operator = CONDITION_OPERATORS.get(rest);
  if (!operator) {
    return (
      KNOWN_UNSUPPORTED[rest] ?? `unknown condition operator "${name}" (operator names are case-sensitive)`
    );
  }
  return { operator, qualifier, ifExists };
}

/** One `operator → key → values` entry, compiled. */
export interface CompiledCondition {
  /** Operator as written (`ForAnyValue:StringLikeIfExists`). */
  readonly operatorName: string;
  /** Key as written in the policy. */
  readonly key: string;
  /** Key folded to lower case (condition keys are case-insensitive). */
  readonly keyLower: string;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  readonly negated: boolean;
  readonly matcher: ValueMatcher;
}

/**
 * Evaluates one condition entry against the request value of its key (`undefined` = key missing).
 *
 * - Missing key: `…IfExists` → true; `ForAllValues:` → true (vacuous); `ForAnyValue:` → false;
 *   plain negated operators → true; plain positive operators → false.
 * - One request value: matches any policy value (positive), or none of them (negated); a value of the
 *   wrong type (not a number for Numeric, not an address for IpAddress) matches none.
 * - `ForAnyValue:`: some request value satisfies that; `ForAllValues:`: every one does (true for `[]`).
 * - A plain operator on a multi-valued key holds only if the key has exactly one value and it satisfies that.
 */
export function evaluateCondition(condition: CompiledCondition, value: ContextValue | undefined): boolean {
  if (value === undefined) {
    if (condition.ifExists) {
      return true;
    }
    if (condition.qualifier !== undefined) {
      return condition.qualifier === 'ForAllValues';
    }
    return condition.negated;
  }
  const { matcher, negated } = condition;
  const single = (r: ContextScalar): boolean => {
    const m = matcher(r) === true;
    return negated ? !m : m;
  };
  if (!isMultiValued(value)) {
    return single(value);
  }
  switch (condition.qualifier) {
    case 'ForAnyValue':
      return value.some(single);
    case 'ForAllValues':
      return value.every(single);
    case undefined:
      return value.length === 1 && single(value[0]);
  }
}

function isMultiValued(value: ContextValue): value is readonly ContextScalar[] {
  return Array.isArray(value);
}
