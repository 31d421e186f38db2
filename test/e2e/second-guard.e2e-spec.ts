import 'reflect-metadata';
import { type CanActivate, type ExecutionContext, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GqlExecutionContext, GraphQLSchemaHost, type GqlContextType } from '@nestjs/graphql';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { DomainError, ErrorCode } from '../../src/common/errors/domain-error.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { DEMO_RULE, prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';
import type { DiscoveredEndpoint } from '../../src/request/nest/endpoint-discovery.js';
import { EndpointRegistry } from '../../src/request/nest/endpoint-registry.js';

/**
 * One pipeline, one path (DESIGN §5): a second global guard — a rate limiter, say — is consulted on
 * every REST route and every GraphQL resolver, field resolvers included. The routes and resolvers
 * are the application's own (its endpoint registry), not a list kept here.
 */

const REFUSAL = 'Refused by the second global guard.';
const ADMIN = 'demo-admin-key';
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** A global guard that refuses what `refuses` says (everything, unless told otherwise). */
@Injectable()
class SecondGuard implements CanActivate {
  static refuses: (context: ExecutionContext) => boolean = () => true;

  canActivate(context: ExecutionContext): boolean {
    if (SecondGuard.refuses(context)) {
      throw new DomainError(ErrorCode.AccessDenied, REFUSAL);
    }
    return true;
  }
}

@Module({ providers: [{ provide: APP_GUARD, useClass: SecondGuard }] })
class SecondGuardModule {}

/** Values for arguments and path parameters, by name: the demo's rule on the demo's source bucket. */
const VALUES: Record<string, string> = { bucket: 'demo-source', id: DEMO_RULE.id, ruleId: DEMO_RULE.id };

/** A GraphQL literal of an input type, with every required field filled in. */
function literal(type: GraphQLInputType, name: string): string {
  if (isNonNullType(type)) {
    return literal(type.ofType, name);
  }
  if (isListType(type)) {
    return '[]';
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields())
      .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
      .map((field) => `${field.name}: ${literal(field.type, field.name)}`);
    return `{ ${fields.join(', ')} }`;
  }
  if (isEnumType(type)) {
    return type.getValues()[0].name;
  }
  switch (type.name) {
    case 'Boolean':
      return 'true';
    case 'Int':
    case 'Float':
      return '1';
    default:
      return JSON.stringify(VALUES[name] ?? 'x');
  }
}

/** `name(requiredArgs) { __typename }` for a field of the schema. */
function selection(field: GraphQLField<unknown, unknown>, inner = '__typename'): string {
  const args = field.args
    .filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)
    .map((arg) => `${arg.name}: ${literal(arg.type, arg.name)}`);
  const call = args.length > 0 ? `${field.name}(${args.join(', ')})` : field.name;
  return isObjectType(getNamedType(field.type)) ? `${call} { ${inner} }` : call;
}

function fieldOf(schema: GraphQLSchema, route: string): GraphQLField<unknown, unknown> {
  const [typeName, fieldName] = route.split('.');
  const type = schema.getType(typeName);
  if (!isObjectType(type)) {
    throw new Error(`${route}: ${typeName} is not an object type of the schema`);
  }
  return type.getFields()[fieldName];
}

interface GraphqlAnswer {
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }>;
}

describe('a second global guard', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let http: FastifyInstance;
  let endpoints: readonly DiscoveredEndpoint[];
  let schema: GraphQLSchema;

  const graphql = async (query: string): Promise<GraphqlAnswer> => {
    const res = await http.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN },
      payload: { query },
    });
    return res.json<GraphqlAnswer>();
  };

  beforeAll(async () => {
    // Given the embedded default (demo data, demo callers) and a second global guard ahead of the pipeline's
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config, { emulator: { replication: { tickMs: 0, startingMs: 0 } } });
    app = await createApp(env.config, { logger: false, imports: [SecondGuardModule] });
    await app.init();
    http = app.getHttpAdapter().getInstance();
    await http.ready();
    endpoints = app.get(EndpointRegistry).all();
    schema = app.get(GraphQLSchemaHost).schema;
  });

  afterAll(async () => {
    SecondGuard.refuses = () => true;
    await app?.close();
    await env?.close();
  });

  it('finds the routes, root resolvers and field resolvers of the application', () => {
    const routes = endpoints.map((e) => e.route);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /v1/buckets/:bucket/replication/rules',
        'Query.replicationRules',
        'Mutation.createReplicationRule',
        'ReplicationRule.progress',
      ]),
    );
  });

  it('refuses every REST route, public ones included', async () => {
    SecondGuard.refuses = () => true;
    const answers: Record<string, number> = {};
    for (const { route } of endpoints.filter((e) => e.transport === 'http')) {
      const [method, path] = route.split(' ');
      const url = path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(VALUES[name] ?? 'x'));
      const res = await http.inject({
        method: method as 'GET',
        url,
        headers: { 'x-api-key': ADMIN },
      });
      answers[route] = res.statusCode;
      expect(res.body, route).toContain(REFUSAL);
    }
    expect(Object.keys(answers).length).toBeGreaterThan(10);
    expect(Object.values(answers).every((status) => status === 403)).toBe(true);
  });

  it('refuses every query and mutation', async () => {
    SecondGuard.refuses = () => true;
    for (const { route } of endpoints.filter((e) => e.transport === 'graphql')) {
      const [typeName] = route.split('.');
      if (!ROOT_TYPES.has(typeName)) {
        continue;
      }
      const field = fieldOf(schema, route);
      const operation = typeName === 'Mutation' ? 'mutation' : 'query';
      const answer = await graphql(`${operation} { ${selection(field)} }`);
      expect(
        answer.errors?.map((e) => [e.path, e.extensions?.code, e.message]),
        route,
      ).toEqual([[[field.name], 'FORBIDDEN', REFUSAL]]);
    }
  });

  it('refuses every field resolver, reached through a query the pipeline allows', async () => {
    // The second guard lets root fields through (the pipeline still decides them) and refuses the rest.
    SecondGuard.refuses = (context) =>
      context.getType<GqlContextType>() === 'graphql' &&
      !ROOT_TYPES.has(
        GqlExecutionContext.create(context).getInfo<{ parentType: { name: string } }>().parentType.name,
      );
    const fieldResolvers = endpoints.filter(
      (e) => e.transport === 'graphql' && !ROOT_TYPES.has(e.route.split('.')[0]),
    );
    expect(fieldResolvers.length).toBeGreaterThan(0);
    const queryType = schema.getQueryType();
    if (!queryType) {
      throw new Error('the schema has no Query type');
    }
    for (const { route } of fieldResolvers) {
      const [typeName] = route.split('.');
      const field = fieldOf(schema, route);
      // A root query that answers this type (demo data makes it non-empty).
      const root = Object.values(queryType.getFields()).find(
        (candidate) => getNamedType(candidate.type).name === typeName,
      );
      expect(root, `a query that answers ${typeName}`).toBeDefined();
      const answer = await graphql(`query { ${selection(root!, selection(field))} }`);
      const refusals = (answer.errors ?? []).filter((e) => e.message === REFUSAL);
      expect(refusals.length, route).toBeGreaterThan(0);
      expect(refusals.every((e) => e.extensions?.code === 'FORBIDDEN' && e.path?.at(-1) === field.name)).toBe(
        true,
      );
    }
  });
});
