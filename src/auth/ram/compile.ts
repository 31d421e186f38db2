import { compileGlob, type GlobMatcher } from './glob.js';
import type { CompiledCondition } from './conditions/index.js';
import { analysePolicy } from './policy.js';
import { ResourceIndex } from './resource-index.js';
import type { Effect, MatchedStatement, PolicyDocument, PolicyProblem } from './types.js';

/** Thrown by `compilePolicies` when a document is invalid; nothing is compiled (fail closed). */
export class PolicyValidationError extends Error {
  constructor(
    readonly policy: string,
    readonly problems: PolicyProblem[],
  ) {
    super(`Policy "${policy}" is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'PolicyValidationError';
  }
}

/** One statement ready for evaluation. */
export interface CompiledStatement {
  /** Global position (policy order, then statement order): the sort key of decisions. */
  readonly order: number;
  readonly effect: Effect;
  /** The frozen entry reported in `Decision.matchedStatements`. */
  readonly matched: MatchedStatement;
  /** Lower-cased action → whether the Action/NotAction element covers it. */
  readonly matchesAction: (lowerAction: string) => boolean;
  readonly resourceGlobs: readonly GlobMatcher[];
  /** True for NotResource: applies to resources matching none of `resourceGlobs`. */
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
  /** Lower-cased Action patterns when every one names a literal service; undefined → the `*` bucket (also NotAction). */
  readonly serviceActions: readonly string[] | undefined;
}

interface ServiceIndex {
  /** Literal action patterns (lower-cased) → statements naming them. */
  exact: Map<string, CompiledStatement[]>;
  /** Distinct wildcard action patterns within the service → statements using them. */
  patterns: Map<string, { glob: GlobMatcher; statements: CompiledStatement[] }>;
}

const MAX_ACTION_MEMO = 512;

function pushTo<K>(map: Map<K, CompiledStatement[]>, key: K, statement: CompiledStatement): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== statement) {
      list.push(statement);
    }
  } else {
    map.set(key, [statement]);
  }
}

function byOrder(a: CompiledStatement, b: CompiledStatement): number {
  return a.order - b.order;
}

/**
 * Compiled policies of one principal (or one simulation): statements indexed by action service prefix
 * (`oss`, `gateway`, … and a `*` bucket for wildcard services and NotAction), then by literal action and
 * distinct wildcard pattern; per action, a `ResourceIndex` over the statements that cover it. Lookups are
 * memoised per action and per (action, resource), with bounded memory. Its decisions never change once built.
 */
export class CompiledPolicySet {
  private readonly byService = new Map<string, ServiceIndex>();
  private readonly anyService: CompiledStatement[] = [];
  private readonly actionMemo = new Map<string, ResourceIndex>();

  /** @internal use `compilePolicies`. */
  constructor(
    /** Policy names, in the order given. */
    readonly policyNames: readonly string[],
    /** Every statement, in order. */
    readonly statements: readonly CompiledStatement[],
  ) {
    for (const statement of statements) {
      this.index(statement);
    }
  }

  private index(statement: CompiledStatement): void {
    const actions = statement.serviceActions;
    if (actions === undefined) {
      this.anyService.push(statement);
      return;
    }
    for (const action of actions) {
      const colon = action.indexOf(':');
      const service = action.slice(0, colon);
      let index = this.byService.get(service);
      if (!index) {
        index = { exact: new Map(), patterns: new Map() };
        this.byService.set(service, index);
      }
      const name = action.slice(colon + 1);
      if (name.includes('*') || name.includes('?')) {
        const entry = index.patterns.get(action);
        if (entry) {
          if (entry.statements[entry.statements.length - 1] !== statement) {
            entry.statements.push(statement);
          }
        } else {
          index.patterns.set(action, { glob: compileGlob(action, true), statements: [statement] });
        }
      } else {
        pushTo(index.exact, action, statement);
      }
    }
  }

  /** Statements whose Action/NotAction covers `action`, with their resource index. */
  private forAction(action: string): ResourceIndex {
    const cached = this.actionMemo.get(action);
    if (cached) {
      return cached;
    }
    const lower = action.toLowerCase();
    const found = new Set<CompiledStatement>();
    const colon = lower.indexOf(':');
    const service = colon >= 0 ? this.byService.get(lower.slice(0, colon)) : undefined;
    if (service) {
      for (const statement of service.exact.get(lower) ?? []) {
        found.add(statement);
      }
      for (const { glob, statements } of service.patterns.values()) {
        if (glob.test(lower)) {
          for (const statement of statements) {
            found.add(statement);
          }
        }
      }
    }
    for (const statement of this.anyService) {
      if (statement.matchesAction(lower)) {
        found.add(statement);
      }
    }
    const index = new ResourceIndex([...found].sort(byOrder));
    if (this.actionMemo.size >= MAX_ACTION_MEMO) {
      this.actionMemo.clear();
    }
    this.actionMemo.set(action, index);
    return index;
  }

  /** Statements whose Action/NotAction covers `action` (on whatever resource), in policy/statement order. */
  statementsForAction(action: string): readonly CompiledStatement[] {
    return this.forAction(action).statements;
  }

  /** Statements whose action and resource elements both cover the request, in policy/statement order. */
  statementsFor(action: string, resource: string): readonly CompiledStatement[] {
    return this.forAction(action).match(resource);
  }
}

function actionMatcher(patterns: string[], negated: boolean): (lowerAction: string) => boolean {
  const globs = patterns.map((p) => compileGlob(p, true));
  return negated ? (a) => !globs.some((g) => g.test(a)) : (a) => globs.some((g) => g.test(a));
}

/**
 * Validates and compiles policies once, for many evaluations. Throws `PolicyValidationError` (naming the
 * policy and every problem) if any document is invalid: an invalid document never half-applies.
 */
export function compilePolicies(
  policies: ReadonlyArray<{ name: string; document: PolicyDocument }>,
): CompiledPolicySet {
  const statements: CompiledStatement[] = [];
  for (const { name, document } of policies) {
    const analysed = analysePolicy(document);
    if (!analysed.ok) {
      throw new PolicyValidationError(name, analysed.problems);
    }
    for (const st of analysed.policy.statements) {
      const patterns = st.actions ?? st.notActions ?? [];
      const matched: MatchedStatement = Object.freeze(
        st.sid === undefined
          ? { policy: name, statement: st.index, effect: st.effect }
          : { policy: name, statement: st.index, sid: st.sid, effect: st.effect },
      );
      const lowered = (st.actions ?? []).map((a) => a.toLowerCase());
      const serviceIndexable =
        st.actions !== undefined &&
        lowered.every((a) => {
          const colon = a.indexOf(':');
          return colon > 0 && !/[*?]/.test(a.slice(0, colon));
        });
      statements.push({
        order: statements.length,
        effect: st.effect,
        matched,
        matchesAction: actionMatcher(patterns, st.notActions !== undefined),
        resourceGlobs: (st.resources ?? st.notResources ?? []).map((r) => compileGlob(r, false)),
        notResource: st.notResources !== undefined,
        conditions: st.conditions,
        serviceActions: serviceIndexable ? lowered : undefined,
      });
    }
  }
  return new CompiledPolicySet(
    policies.map((p) => p.name),
    statements,
  );
}
