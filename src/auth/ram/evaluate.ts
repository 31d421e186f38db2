import type { CompiledPolicySet } from './compile.js';
import { evaluateCondition } from './conditions/index.js';
import type { ContextValue, Decision, EvaluationRequest, MatchedStatement, RequestContext } from './types.js';

/** Thrown when a request context is not usable (a value of the wrong type, or two keys differing only in case). */
export class InvalidContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContextError';
  }
}

function isScalar(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && !Number.isNaN(value))
  );
}

/** Folds key names to lower case (condition keys are case-insensitive) and checks value types. */
function foldContext(context: RequestContext): Map<string, ContextValue> {
  const folded = new Map<string, ContextValue>();
  for (const key of Object.keys(context)) {
    const value = context[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (!(isScalar(value) || (Array.isArray(value) && value.every(isScalar)))) {
      throw new InvalidContextError(
        `context key "${key}" must be a string, number, boolean or an array of them`,
      );
    }
    const lower = key.toLowerCase();
    if (folded.has(lower)) {
      throw new InvalidContextError(`context keys are case-insensitive; "${key}" is given twice`);
    }
    folded.set(lower, value);
  }
  return folded;
}

const EMPTY_CONTEXT: RequestContext = Object.freeze({});

function contextOf(request: EvaluationRequest): RequestContext {
  const given = request.context;
  return (typeof given === 'function' ? given() : given) ?? EMPTY_CONTEXT;
}

/**
 * Decides one request against compiled policies:
 * any matching Deny → ExplicitDeny (all matching Deny statements reported); else any matching Allow →
 * Allow (all matching Allow statements); else ImplicitDeny. A statement matches when its Action/NotAction
 * covers the action, its Resource/NotResource covers the resource, and every condition holds.
 * Pure: no clock, no I/O; the same inputs always give the same decision, whatever the statement order.
 */
export function evaluate(set: CompiledPolicySet, request: EvaluationRequest): Decision {
  const candidates = set.statementsFor(request.action, request.resource);
  if (candidates.length === 0) {
    return { decision: 'ImplicitDeny', matchedStatements: [], missingContextKeys: [] };
  }
  let folded: Map<string, ContextValue> | undefined;
  let missing: Map<string, string> | undefined;
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  for (const statement of candidates) {
    let holds = true;
    for (const condition of statement.conditions) {
      folded ??= foldContext(contextOf(request));
      const value = folded.get(condition.keyLower);
      if (value === undefined) {
        missing ??= new Map();
        const seen = missing.get(condition.keyLower);
        // Policies may spell a key differently; report one spelling whatever the statement order.
        if (seen === undefined || condition.key < seen) {
          missing.set(condition.keyLower, condition.key);
        }
      }
      if (holds && !evaluateCondition(condition, value)) {
        holds = false;
      }
    }
    if (holds) {
      (statement.effect === 'Deny' ? denies : allows).push(statement.matched);
    }
  }
  const missingContextKeys = missing
    ? [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, spelled]) => spelled)
    : [];
  if (denies.length > 0) {
    return { decision: 'ExplicitDeny', matchedStatements: denies, missingContextKeys };
  }
  if (allows.length > 0) {
    return { decision: 'Allow', matchedStatements: allows, missingContextKeys };
  }
  return { decision: 'ImplicitDeny', matchedStatements: [], missingContextKeys };
}

/**
 * Whether the policies could allow `action` on some resource: some Allow statement's Action/NotAction
 * covers it (whatever its Resource and conditions). When false, every request for the action is denied
 * whatever the resource, so the gateway decides without resolving the resource (no bucket lookup).
 */
export function couldAllow(set: CompiledPolicySet, action: string): boolean {
  return set.statementsForAction(action).some((statement) => statement.effect === 'Allow');
}
