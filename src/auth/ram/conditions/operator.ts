import type { ContextScalar } from '../types.js';

/**
 * The un-negated test of one request value against all of a condition's policy values:
 * `true` if it matches any of them (values are ORed), otherwise `false` (or `undefined` when the request
 * value is not of the operator's type, e.g. a non-numeric value for a Numeric operator). A value of the
 * wrong type matches no policy value, so a negated operator (NOT of the OR) holds for it: a
 * `Deny … NotIpAddress` cannot be dodged with a malformed address.
 */
export type ValueMatcher = (requestValue: ContextScalar) => boolean | undefined;

export type OperatorCompileResult =
  { ok: true; matcher: ValueMatcher } | { ok: false; problems: Array<{ index: number; message: string }> };

/** One condition operator (`StringEquals`, `NotIpAddress`, …), without `IfExists` or set qualifiers. */
export interface ConditionOperator {
  readonly name: string;
  /** Negated operators (`StringNotEquals`, `NotIpAddress`, …) hold when no policy value matches, and when the key is missing. */
  readonly negated: boolean;
  /** Parses the policy values once (at load); problems name the index of the bad value. */
  compile(policyValues: readonly string[]): OperatorCompileResult;
}

export type ParsedValue<P> = { ok: true; value: P } | { ok: false; message: string };

/** Builds an operator whose policy values each parse into `P`, then combine into one matcher. */
export function defineOperator<P>(
  name: string,
  negated: boolean,
  parseValue: (raw: string) => ParsedValue<P>,
  build: (values: P[]) => ValueMatcher,
): ConditionOperator {
  return {
    name,
    negated,
    compile(policyValues) {
      const problems: Array<{ index: number; message: string }> = [];
      const parsed: P[] = [];
      policyValues.forEach((raw, index) => {
        const result = parseValue(raw);
        if (result.ok) {
          parsed.push(result.value);
        } else {
          problems.push({ index, message: result.message });
        }
      });
      return problems.length > 0 ? { ok: false, problems } : { ok: true, matcher: build(parsed) };
    },
  };
}

/** Request scalars as strings, the way String operators see them (`10` → "10", `true` → "true"). */
export function scalarToString(value: ContextScalar): string {
  return typeof value === 'string' ? value : String(value);
}
