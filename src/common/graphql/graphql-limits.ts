import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLFormattedError } from 'graphql';
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isObjectType,
  Kind,
  valueFromAST,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/*
 * GraphQL limits (DESIGN §9), checked before anything executes: tokens while parsing, then depth,
 * aliases, root fields and declared cost as validation rules. Every refusal is a 400 with code
 * BAD_USER_INPUT, a message naming the limit and `extensions.limit: { name, max, actual }`.
 *
 * Depth and aliases are graphql-armor's rules (introspection's `__schema` does not count towards
 * depth, so Playground's introspection query passes). Tokens use graphql-js's own `maxTokens` parse
 * option, which aborts lexing at the limit (armor's Apollo token plugin throws from a hook Apollo
 * answers with a 500 and parses each document twice). Root fields and cost are small rules here:
 * armor has no root-field limit and its cost limit cannot weight fields.
 */

export const GRAPHQL_LIMITS = { depth: 10, aliases: 30, rootFields: 20, tokens: 5_000 } as const;

export type GraphqlLimitName = 'tokens' | 'depth' | 'aliases' | 'rootFields' | 'cost';

export interface GraphqlLimit {
  name: GraphqlLimitName;
  max: number;
  actual?: number;
}

/** The error every refused document gets; Apollo answers it with 400. */
export function limitExceeded(limit: GraphqlLimit): GraphQLError {
  const found = limit.actual === undefined ? `more than ${limit.max}` : `${limit.actual}`;
  return new GraphQLError(
    `GraphQL ${limit.name} limit exceeded: at most ${limit.max} allowed, found ${found}. Nothing was executed.`,
    { extensions: { code: 'BAD_USER_INPUT', limit } },
  );
}

/** What a cost function given as `complexity` sees: the field's arguments as far as the document says. */
export interface CostEstimatorOptions {
  /**
   * The literal arguments, defaults applied to omitted ones; an argument given by a variable is
   * `undefined` (validation runs before variables are known), so an estimator assumes its worst case.
   */
  args: Record<string, unknown>;
}

/**
 * The literal arguments of a field node, with the schema's defaults for omitted ones; arguments
 * given by variables are left undefined.
 */
function literalArguments(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const def of field.args) {
    const given = node.arguments?.find((arg) => arg.name.value === def.name);
    if (given === undefined) {
      args[def.name] = def.defaultValue;
    } else if (given.value.kind !== Kind.VARIABLE) {
      // No variables are passed: a variable nested in a literal makes the whole value undefined.
      args[def.name] = valueFromAST(given.value, def.type);
    }
  }
  return args;
}

/**
 * The declared cost of a field: the `complexity` given next to it in its `@Query`, `@Mutation` or
 * `@ResolveField` (Nest puts it into the field's extensions) — a number, or a function of the
 * field's literal arguments (`CostEstimatorOptions`) for a field whose cost grows with them, such as
 * a page size; fields without one cost nothing.
 */
function declaredCost(type: GraphQLCompositeType, node: FieldNode): number {
  if (!isObjectType(type)) {
    return 0;
  }
  const field = type.getFields()[node.name.value];
  const complexity = field?.extensions.complexity;
  if (typeof complexity === 'number') {
    return complexity;
  }
  if (typeof complexity === 'function') {
    const cost = (complexity as (options: CostEstimatorOptions) => unknown)({
      args: literalArguments(field, node),
    });
    return typeof cost === 'number' && Number.isFinite(cost) && cost > 0 ? cost : 0;
  }
  return 0;
}

/**
 * Sums the declared costs of every field an operation selects, fragments included (each named
 * fragment is costed once and reused, so a document of fragments spreading fragments stays linear).
 */
function operationCost(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
) {
  const schema = context.getSchema();
  const fragmentCosts = new Map<string, number>();
  const cost = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let sum = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        sum += declaredCost(parent, selection);
        const field = isObjectType(parent) ? parent.getFields()[selection.name.value] : undefined;
        const child = field ? getNamedType(field.type) : undefined;
        if (selection.selectionSet && isCompositeType(child)) {
          sum += cost(selection.selectionSet, child);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        sum += cost(selection.selectionSet, isCompositeType(condition) ? condition : parent);
      } else {
        const name = selection.name.value;
        if (!fragmentCosts.has(name)) {
          fragmentCosts.set(name, 0); // a cycle (refused by graphql-js's own rule) costs nothing more
          const fragment = context.getFragment(name);
          const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          if (fragment && isCompositeType(condition)) {
            fragmentCosts.set(name, cost(fragment.selectionSet, condition));
          }
        }
        sum += fragmentCosts.get(name) ?? 0;
      }
    }
    return sum;
  };
  return cost(selectionSet, type);
}

/** At most `maxCost` of declared cost per operation. */
export function costLimit(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const root = context.getSchema().getRootType(node.operation);
      const actual = root ? operationCost(context, node.selectionSet, root) : 0;
      if (actual > maxCost) {
        context.reportError(limitExceeded({ name: 'cost', max: maxCost, actual }));
      }
    },
  });
}

/** At most `max` fields at the root of an operation (aliases and fragments at the root included). */
export function rootFieldLimit(max: number): ValidationRule {
  return (context) => {
    const count = (set: SelectionSetNode, seen: Set<string>): number =>
      set.selections.reduce((sum, selection) => {
        if (selection.kind === Kind.FIELD) {
          return sum + 1;
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          return sum + count(selection.selectionSet, seen);
        }
        const fragment = context.getFragment(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) {
          return sum;
        }
        return sum + count(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }, 0);
    return {
      OperationDefinition(node) {
        const actual = count(node.selectionSet, new Set());
        if (actual > max) {
          context.reportError(limitExceeded({ name: 'rootFields', max, actual }));
        }
      },
    };
  };
}

/** Armor reports "… limit of N exceeded, found M."; the limit is ours, the count is its. */
function armorRejection(name: GraphqlLimitName, max: number) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const found = /found (\d+)/.exec(error.message);
    context?.reportError(limitExceeded({ name, max, ...(found ? { actual: Number(found[1]) } : {}) }));
  };
}

/** Armor's depth and alias rules, reporting our error; its other protections are not ours to add. */
function armorRules(): ValidationRule[] {
  const armor = new ApolloArmor({
    maxDepth: {
      n: GRAPHQL_LIMITS.depth,
      propagateOnRejection: false,
      onReject: [armorRejection('depth', GRAPHQL_LIMITS.depth)],
    },
    maxAliases: {
      n: GRAPHQL_LIMITS.aliases,
      propagateOnRejection: false,
      onReject: [armorRejection('aliases', GRAPHQL_LIMITS.aliases)],
    },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    maxDirectives: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().validationRules;
}

/** The validation rules of every limit after tokens. */
export function graphqlLimitRules(maxCost: number): ValidationRule[] {
  return [...armorRules(), rootFieldLimit(GRAPHQL_LIMITS.rootFields), costLimit(maxCost)];
}

/** graphql-js's own token limit: lexing stops at the limit. */
export const GRAPHQL_PARSE_OPTIONS = { maxTokens: GRAPHQL_LIMITS.tokens } as const;

const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] (\d+) tokens/;

/**
 * Apollo's `formatError`: Apollo gives every validation error the code GRAPHQL_VALIDATION_FAILED
 * (and graphql-js's token limit is a parse error), so limit refusals get their code back here.
 */
export function formatLimitError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.limit) {
    return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
  }
  if (formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(formatted.message)) {
    const error = limitExceeded({ name: 'tokens', max: GRAPHQL_LIMITS.tokens });
    return {
      ...formatted,
      message: error.message,
      extensions: { ...formatted.extensions, ...error.extensions },
    };
  }
  return formatted;
}
