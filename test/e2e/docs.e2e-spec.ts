import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { collectEndpointPermissions, type EndpointPermission } from '../../src/auth/permission-surface.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { setupDocs } from '../../src/docs/docs.setup.js';
import { buildOpenApiDocument, serializeOpenApi } from '../../src/docs/openapi.js';
import { prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';

type Schema = Record<string, unknown>;
interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  example?: unknown;
  schema?: Schema;
}
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}

/** What the handler declares, as the permission snapshot reads it: the action, `authenticated` or `public`. */
function declaredAction(endpoint: EndpointPermission): string {
  return endpoint.permission.split(' on ')[0];
}

/** The sentence a description must contain for a handler declaring `action`. */
function requirementText(action: string): RegExp {
  if (action === 'public') {
    return /\bPublic\b/;
  }
  if (action === 'authenticated') {
    return /any authenticated caller/;
  }
  return new RegExp(`Requires \`${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``);
}

/** `GET /v1/buckets/:bucket/x` → `get /v1/buckets/{bucket}/x`, the OpenAPI key of the route. */
function openApiKey(route: string): string {
  const [verb, path] = route.split(' ');
  return `${verb.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`;
}

/** The example Swagger UI builds from a schema ("Example Value"): declared examples, else defaults, else a placeholder. */
function exampleOf(schema: Schema | undefined, schemas: Record<string, Schema>): unknown {
  if (!schema) {
    return undefined;
  }
  if (schema.example !== undefined) {
    return schema.example;
  }
  if (typeof schema.$ref === 'string') {
    return exampleOf(schemas[schema.$ref.split('/').pop()!], schemas);
  }
  if (Array.isArray(schema.allOf)) {
    return exampleOf(schema.allOf[0] as Schema, schemas) ?? schema.default;
  }
  if (schema.default !== undefined) {
    return schema.default;
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum[0];
  }
  if (schema.type === 'object' || schema.properties) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, exampleOf(v, schemas)]));
  }
  if (schema.type === 'array') {
    return [exampleOf(schema.items as Schema, schemas)];
  }
  return { string: 'string', integer: 0, number: 0, boolean: true }[String(schema.type)];
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(doc: OpenApi): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** Every `src`/`href` attribute value of an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/g)].map((m) => m[1]);
}

/** Property schemas (at any depth under components) that declare an enum inline instead of naming it. */
function inlineEnums(schemas: Record<string, Schema>): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string, top: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, `${path}[${i}]`, false));
      return;
    }
    if (node === null || typeof node !== 'object') {
      return;
    }
    const obj = node as Schema;
    if (!top && Array.isArray(obj.enum)) {
      found.push(path);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k !== 'enum' && k !== 'example' && k !== 'examples' && k !== 'default') {
        walk(v, `${path}.${k}`, false);
      }
    }
  };
  for (const [name, schema] of Object.entries(schemas)) {
    walk(schema, name, true);
  }
  return found;
}

describe('API documentation (OpenAPI, Swagger UI, GraphQL Playground)', () => {
  let app: NestFastifyApplication;
  let http: FastifyInstance;
  let doc: OpenApi;
  let docText: string;
  let endpoints: EndpointPermission[];

  beforeAll(async () => {
    const config = buildAppConfig({
      DATABASE_URL: 'sqlite::memory:',
      OSS_ACCESS_KEY_ID: 'docs-test',
      OSS_ACCESS_KEY_SECRET: 'docs-test-secret',
      OSS_ENDPOINT: '127.0.0.1:9',
      // Upstream mode serves Playground only when asked to (graphql-explorer.e2e-spec.ts has the default).
      GATEWAY_GRAPHQL_EXPLORER: 'on',
    });
    app = await createApp(config, { logger: false });
    setupDocs(app, config);
    await app.init();
    http = app.getHttpAdapter().getInstance();
    await http.ready();
    const res = await http.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    docText = res.body;
    doc = JSON.parse(docText) as OpenApi;
    endpoints = collectEndpointPermissions(
      app.get(DiscoveryService),
      app.get(MetadataScanner),
      app.get(Reflector),
    );
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('GET /docs/openapi.json', () => {
    it('is an OpenAPI 3 document with title, version, description and servers', () => {
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.title).toBe('OSS Replication Gateway');
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(doc.info.description).toContain('problem+json');
      expect(doc.servers.map((s) => s.url)).toContain('/');
    });

    it('is stable: the same bytes on every request and every build, keys sorted', async () => {
      const again = await http.inject({ method: 'GET', url: '/docs/openapi.json' });
      expect(again.body).toBe(docText);
      expect(serializeOpenApi(buildOpenApiDocument(app))).toBe(docText);
      expect(Object.keys(doc.paths)).toEqual([...Object.keys(doc.paths)].sort());
      expect(Object.keys(doc.components.schemas)).toEqual([...Object.keys(doc.components.schemas)].sort());
    });

    it('documents every replication route with its stable operationId', () => {
      const ids = Object.fromEntries(
        operations(doc).map(({ method, path, op }) => [`${method} ${path}`, op.operationId]),
      );
      expect(ids).toMatchObject({
        'get /v1/buckets/{bucket}/replication/rules': 'listReplicationRules',
        'post /v1/buckets/{bucket}/replication/rules': 'createReplicationRule',
        'get /v1/buckets/{bucket}/replication/rules/{ruleId}': 'getReplicationRule',
        'put /v1/buckets/{bucket}/replication/rules/{ruleId}/rtc': 'setReplicationTimeControl',
        'delete /v1/buckets/{bucket}/replication/rules/{ruleId}': 'deleteReplicationRule',
        'get /v1/buckets/{bucket}/replication/rules/{ruleId}/progress': 'getReplicationProgress',
        'get /v1/buckets/{bucket}/replication/locations': 'listReplicationLocations',
      });
    });

    it('gives every operation a unique camelCase operationId', () => {
      const ids = operations(doc).map(({ op }) => op.operationId);
      expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('declares the bearer and X-Api-Key security schemes, applied globally; public routes opt out', () => {
      expect(doc.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        'api-key': { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      });
      expect(doc.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
      const live = doc.paths['/health/live']?.get;
      expect(live?.security).toEqual([]);
      expect(doc.paths['/v1/buckets/{bucket}/replication/rules']?.get?.security).toBeUndefined();
    });

    it('names only declared security schemes in every requirement', () => {
      const declared = Object.keys(doc.components.securitySchemes);
      const used = [doc.security, ...operations(doc).map(({ op }) => op.security ?? [])]
        .flat()
        .flatMap((req) => Object.keys(req));
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((name) => !declared.includes(name))).toEqual([]);
    });

    it('names every enum as a schema of its own instead of inlining it', () => {
      expect(inlineEnums(doc.components.schemas)).toEqual([]);
      for (const name of ['ReplicationRuleStatus', 'TransferType', 'ProblemCode']) {
        expect(doc.components.schemas[name]?.enum, name).toBeInstanceOf(Array);
      }
    });

    it('describes errors as problem+json with validation, authorization and OSS variants', () => {
      const { schemas } = doc.components;
      expect(schemas.Problem?.required).toEqual(
        expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
      );
      for (const name of ['ValidationProblem', 'AuthorizationProblem', 'OssProblem']) {
        expect(JSON.stringify(schemas[name])).toContain('#/components/schemas/Problem');
      }
      const rtc = doc.paths['/v1/buckets/{bucket}/replication/rules/{ruleId}/rtc'].put;
      const schemaOf = (status: string): unknown =>
        rtc.responses[status]?.content?.['application/problem+json']?.schema;
      expect(schemaOf('401')).toEqual({ $ref: '#/components/schemas/Problem' });
      expect(schemaOf('403')).toEqual({ $ref: '#/components/schemas/AuthorizationProblem' });
      expect(schemaOf('400')).toEqual({ $ref: '#/components/schemas/ValidationProblem' });
      expect(schemaOf('502')).toEqual({ $ref: '#/components/schemas/OssProblem' });
      const forbidden = rtc.responses['403']?.content?.['application/problem+json'] as { example?: unknown };
      expect(forbidden.example).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    });

    it('describes every 2xx answer', () => {
      const missing = operations(doc).flatMap(({ method, path, op }) =>
        Object.entries(op.responses)
          .filter(([status, r]) => status.startsWith('2') && !r.description?.trim())
          .map(([status]) => `${method} ${path} ${status}`),
      );
      expect(missing).toEqual([]);
    });

    it('names, in every operation, the RAM action its handler declares', () => {
      // Given the action each route declares (@RequiresAction, @RequiresAuthentication, @Public)
      const declared = new Map(
        endpoints.filter((e) => e.transport === 'http').map((e) => [openApiKey(e.route), declaredAction(e)]),
      );
      for (const { method, path, op } of operations(doc)) {
        const action = declared.get(`${method} ${path}`);
        // Then the operation's description says it
        expect(action, `${method} ${path} has no handler`).toBeDefined();
        expect(op.description ?? '', `${method} ${path}`).toMatch(requirementText(action!));
      }
    });

    it('names, in every GraphQL root field, the RAM action its resolver declares', () => {
      const schema = app.get(GraphQLSchemaHost).schema;
      const roots = endpoints.filter((e) => /^(Query|Mutation)\./.test(e.route));
      expect(roots.length).toBeGreaterThan(8);
      for (const endpoint of roots) {
        const [type, field] = endpoint.route.split('.');
        const description = (
          type === 'Query' ? schema.getQueryType() : schema.getMutationType()
        )?.getFields()[field]?.description;
        expect(description ?? '', endpoint.route).toMatch(requirementText(declaredAction(endpoint)));
      }
    });

    it('gives every error answer an example this route can produce', () => {
      const declared = new Map(
        endpoints.filter((e) => e.transport === 'http').map((e) => [openApiKey(e.route), declaredAction(e)]),
      );
      for (const { method, path, op } of operations(doc)) {
        const where = `${method} ${path}`;
        const action = declared.get(where)!;
        const inputs = new Set([
          ...(op.parameters ?? []).map((p) => p.name),
          ...Object.keys(
            exampleOf(op.requestBody?.content['application/json']?.schema, doc.components.schemas) ?? {},
          ),
        ]);
        const statuses = Object.keys(op.responses).filter((s) => Number(s) >= 400);
        // A read never conflicts; a route any authenticated caller may use never denies.
        if (method === 'get') {
          expect(statuses, where).not.toContain('409');
        }
        if (action === 'authenticated' || action === 'public') {
          expect(statuses, where).not.toContain('403');
        }
        for (const status of statuses) {
          const example = op.responses[status].content?.['application/problem+json']?.example as
            | { status?: number; authorization?: { action?: string }; errors?: Array<{ field: string }> }
            | undefined;
          if (action === 'public') {
            continue;
          }
          expect(example?.status, `${where} ${status}`).toBe(Number(status));
          if (status === '403') {
            expect(example?.authorization?.action, where).toBe(action);
          }
          if (status === '400') {
            for (const { field } of example?.errors ?? []) {
              expect(inputs, `${where}: 400 example names ${field}`).toContain(field.split(/[.[]/)[0]);
            }
          }
        }
      }
    });
  });

  describe('GET /docs', () => {
    it('serves Swagger UI whose every asset is same-origin and served by the gateway', async () => {
      const page = await http.inject({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      const refs = references(page.body);
      expect(refs.length).toBeGreaterThanOrEqual(4);
      for (const ref of refs) {
        expect(ref, ref).toMatch(/^\/(?!\/)/);
        const asset = await http.inject({ method: 'GET', url: ref });
        expect(asset.statusCode, ref).toBe(200);
      }
      const init = await http.inject({ method: 'GET', url: '/docs/swagger-initializer.js' });
      expect(init.body).toContain('"/docs/openapi.json"');
      expect(init.body).toContain('validatorUrl: null');
    });
  });

  describe('GET /graphql from a browser', () => {
    const browserHeaders = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

    it('serves the Playground page with every asset from the gateway itself', async () => {
      const page = await http.inject({ method: 'GET', url: '/graphql', headers: browserHeaders });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('GraphQLPlayground.init');
      // Only XML namespace names (which are never fetched) may be absolute URLs.
      expect(page.body.replace(/xmlns(:\w+)?="[^"]*"/g, '')).not.toMatch(/https?:\/\/|\/\/cdn|googleapis/);
      const refs = references(page.body);
      expect(refs).toEqual(
        expect.arrayContaining([
          '/graphql/playground/static/js/middleware.js',
          '/graphql/playground/static/css/index.css',
          '/graphql/playground/favicon.png',
        ]),
      );
      for (const ref of refs) {
        expect(ref, ref).toMatch(/^\/(?!\/)/);
        const asset = await http.inject({ method: 'GET', url: ref, headers: { 'accept-encoding': 'gzip' } });
        expect(asset.statusCode, ref).toBe(200);
        expect(asset.headers['etag'], ref).toBeTruthy();
      }
    });

    it('allows its one inline script by hash in the Content-Security-Policy, and nothing off-origin', async () => {
      const page = await http.inject({ method: 'GET', url: '/graphql', headers: browserHeaders });
      const csp = String(page.headers['content-security-policy']);
      const scripts = [...page.body.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)];
      expect(scripts).toHaveLength(1);
      const hash = createHash('sha256').update(scripts[0][1]).digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
    });

    it('pre-fills a tab that explains where the API key goes', async () => {
      const page = await http.inject({ method: 'GET', url: '/graphql', headers: browserHeaders });
      expect(page.body).toContain('HTTP HEADERS');
      expect(page.body).toContain('X-Api-Key');
      expect(page.body).toContain('replicationRules');
    });

    it('leaves POST and GET-with-query to the GraphQL server', async () => {
      const post = await http.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', accept: 'text/html' },
        payload: { query: '{ __typename }' },
      });
      expect(post.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
      expect(Object.keys(post.json<object>()).some((k) => k === 'data' || k === 'errors')).toBe(true);
      const get = await http.inject({
        method: 'GET',
        url: `/graphql?query=${encodeURIComponent('{ __typename }')}`,
        headers: { ...browserHeaders, 'apollo-require-preflight': 'true' },
      });
      expect(get.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
      expect(Object.keys(get.json<object>()).some((k) => k === 'data' || k === 'errors')).toBe(true);
      expect(get.body).not.toContain('GraphQLPlayground');
    });

    it('serves the asset files even without a browser Accept header, and 404s for unknown ones', async () => {
      const js = await http.inject({ method: 'GET', url: '/graphql/playground/static/js/middleware.js' });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      const missing = await http.inject({ method: 'GET', url: '/graphql/playground/static/js/index.js' });
      expect(missing.statusCode).toBe(404);
    });
  });
});

describe('OpenAPI "Try it out" on the embedded demo', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let origin: string;
  let doc: OpenApi;

  beforeAll(async () => {
    // Given a fresh `npm start` with no OSS credentials: emulator demo data and the demo keys
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config);
    app = await createApp(env.config, { logger: false });
    setupDocs(app, env.config);
    await app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    doc = (await (await fetch(`${origin}/docs/openapi.json`)).json()) as OpenApi;
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('answers 2xx to every operation sent with its documented examples, reads first and the delete last', async () => {
    const order = ['get', 'post', 'put', 'delete'];
    const sorted = operations(doc).sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
    const sent: string[] = [];
    for (const { method, path, op } of sorted) {
      // When a person presses "Try it out" and "Execute" with the demo admin key: parameters
      // pre-filled from their examples (or defaults), and each request-body example in turn
      const params = op.parameters ?? [];
      let url = path;
      const query = new URLSearchParams();
      for (const p of params) {
        const value = (p.example ?? p.schema?.example ?? p.schema?.default) as
          string | number | boolean | undefined;
        if (p.in === 'path') {
          expect(value, `${method} ${path}: ${p.name} has no example`).toBeDefined();
          url = url.replace(`{${p.name}}`, encodeURIComponent(String(value)));
        } else if (p.in === 'query' && value !== undefined) {
          query.set(p.name, String(value));
        }
      }
      const media = op.requestBody?.content['application/json'];
      const bodies = media
        ? media.examples
          ? Object.values(media.examples).map((e) => e.value)
          : [media.example ?? exampleOf(media.schema, doc.components.schemas)]
        : [undefined];
      for (const body of bodies) {
        const target = `${origin}${url}${query.size > 0 ? `?${query.toString()}` : ''}`;
        const res = await fetch(target, {
          method: method.toUpperCase(),
          headers: {
            'x-api-key': 'demo-admin-key',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        const documented = Object.keys(op.responses).filter((s) => s.startsWith('2'));
        // Then it answers one of the operation's documented 2xx statuses
        expect(
          documented,
          `${method} ${target} ${JSON.stringify(body)} → ${res.status} ${text.slice(0, 600)}`,
        ).toContain(String(res.status));
        sent.push(`${op.operationId} ${res.status}`);
      }
    }
    expect(sent).toEqual(
      expect.arrayContaining([
        'createReplicationRule 201',
        'simulatePolicy 200',
        'deleteReplicationRule 202',
      ]),
    );
  });
});
