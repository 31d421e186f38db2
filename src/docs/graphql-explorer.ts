import { GraphQLError, type ValidationRule } from 'graphql';

/*
 * The GraphQL explorer (DESIGN §9): introspection and GraphQL Playground follow
 * `GATEWAY_GRAPHQL_EXPLORER`, `on` by default in embedded mode and `off` in upstream mode, where the
 * schema is not handed to anyone who asks. Both answers say how to turn it on.
 */

const OFF = 'GATEWAY_GRAPHQL_EXPLORER=off, the default in upstream mode';

export const INTROSPECTION_OFF_MESSAGE = `GraphQL introspection is off on this gateway (${OFF}); set GATEWAY_GRAPHQL_EXPLORER=on to enable it. The schema is published as schema.gql.`;

export const PLAYGROUND_OFF_MESSAGE = `GraphQL Playground is off on this gateway (${OFF}); set GATEWAY_GRAPHQL_EXPLORER=on to serve it. GraphQL requests go to POST /graphql.`;

/**
 * Refuses a document that introspects the schema (`__schema` or `__type`, at any depth), once per
 * document; `__typename` is not introspection and stays allowed.
 */
export const introspectionOff: ValidationRule = (context) => {
  let reported = false;
  return {
    Field(node) {
      const name = node.name.value;
      if (!reported && (name === '__schema' || name === '__type')) {
        reported = true;
        context.reportError(new GraphQLError(INTROSPECTION_OFF_MESSAGE, { nodes: [node] }));
      }
    },
  };
};
