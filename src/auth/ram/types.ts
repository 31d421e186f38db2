/**
 * Public types of the RAM policy engine. Pure data: no Nest, no I/O, no clock.
 */

/** A policy value as written in a document; RAM quotes every value, we also accept numbers and booleans. */
export type PolicyScalar = string | number | boolean;

/** `{ "<Operator>": { "<key>": value | [values] } }`. */
export type PolicyCondition = Record<string, Record<string, PolicyScalar | PolicyScalar[]>>;

/** One statement of a RAM identity policy (raw shape; validated by `parsePolicyDocument`). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: PolicyCondition;
}

/** A RAM identity policy document. */
export interface PolicyDocument {
  Version: '1';
  Statement: PolicyStatement | PolicyStatement[];
}

/** One problem found while validating a document; `path` is JSON-path-like (`Statement[2].Condition.IpAddress`). */
export interface PolicyProblem {
  path: string;
  message: string;
}

/** A request context value: a scalar, or an array of scalars for a multi-valued key. */
export type ContextScalar = string | number | boolean;
export type ContextValue = ContextScalar | readonly ContextScalar[];

/** Condition context of one request. Key names are compared case-insensitively; `undefined`/`null` = absent. */
export type RequestContext = Readonly<Record<string, ContextValue | null | undefined>>;

export interface EvaluationRequest {
  action: string;
  resource: string;
  /**
   * The condition context, or a function giving it: then it is called only when a candidate
   * statement has conditions (at most once per evaluation), so condition-free policies never build it.
   */
  context?: RequestContext | (() => RequestContext);
}

export type DecisionKind = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';
export type Effect = 'Allow' | 'Deny';

export interface MatchedStatement {
  /** Name the policy was compiled under. */
  policy: string;
  /** Zero-based index of the statement in its document. */
  statement: number;
  sid?: string;
  effect: Effect;
}

export interface Decision {
  decision: DecisionKind;
  /** ExplicitDeny: every matching Deny; Allow: every matching Allow; ImplicitDeny: empty. Sorted by policy order, then statement. */
  matchedStatements: MatchedStatement[];
  /**
   * Condition keys that a condition of an action/resource-matching statement read but the context lacked,
   * as spelled in the policy (if spelled several ways, the first in code-unit order), sorted case-insensitively.
   */
  missingContextKeys: string[];
}
