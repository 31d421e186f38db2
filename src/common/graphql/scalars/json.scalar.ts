// `graphql/index.js`, not `graphql`: the package has no `exports` map, so Node loads its CommonJS build
// (as @nestjs/graphql does) while Vite would pick the `.mjs` one — two GraphQLScalarType classes, and
// Nest's `instanceof GraphQLScalarType` check would not recognise this scalar under vitest.
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  type ObjectFieldNode,
  type ValueNode,
} from 'graphql/index.js';

/** A JSON value as the `JSON` scalar carries it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 32;

function fromLiteral(
  node: ValueNode,
  variables: Record<string, unknown> | null | undefined,
  depth: number,
): JsonValue {
  if (depth > MAX_DEPTH) {
    throw new GraphQLError(`JSON value nested deeper than ${MAX_DEPTH} levels`);
  }
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => fromLiteral(v, variables, depth + 1));
    case Kind.OBJECT: {
      const out: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
      node.fields.forEach((field: ObjectFieldNode) => {
        out[field.name.value] = fromLiteral(field.value, variables, depth + 1);
      });
      return { ...out };
    }
    case Kind.VARIABLE: {
      const value = variables?.[node.name.value];
      return value === undefined ? null : checkJson(value, depth);
    }
  }
}

function checkJson(value: unknown, depth: number): JsonValue {
  if (depth > MAX_DEPTH) {
    throw new GraphQLError(`JSON value nested deeper than ${MAX_DEPTH} levels`);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new GraphQLError('JSON numbers must be finite');
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => checkJson(v, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') {
        continue;
      }
      out[k] = checkJson(v, depth + 1);
    }
    return out;
  }
  throw new GraphQLError(`${typeof value} is not a JSON value`);
}

/**
 * `JSON`: any JSON value (object, array, string, number, boolean, null). Used where the shape is
 * owned by another standard, such as RAM policy documents and condition contexts.
 */
export const JSONScalar = new GraphQLScalarType<JsonValue, JsonValue>({
  name: 'JSON',
  description: 'Any JSON value (object, array, string, number, boolean or null), e.g. a RAM policy document.',
  serialize: (value) => checkJson(value, 0),
  parseValue: (value) => checkJson(value, 0),
  parseLiteral: (node, variables) => fromLiteral(node, variables, 0),
});
