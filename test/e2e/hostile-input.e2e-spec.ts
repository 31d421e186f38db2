import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { DEMO_RULE, prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';
import { ProgressSampler } from '../../src/fleet/sampler/progress-sampler.js';
import { EndpointRegistry } from '../../src/request/nest/endpoint-registry.js';

/*
 * Hostile input (DESIGN §9, issue 12): random bodies, query strings, headers and path parameters on
 * every REST route of the application (its endpoint registry, not a list kept here) and random
 * documents on the GraphQL endpoint, with and without a valid key. Whatever comes in, the gateway
 * never answers 5xx, always answers problem+json (or GraphQL JSON) with an x-request-id, makes a
 * bounded number of OSS calls (counted at the emulator) and answers within a generous bound.
 */

const VALID_KEYS = ['demo-admin-key', 'demo-viewer-key', 'demo-rtc-operator-key'];
/** OSS calls one REST request may cause (a mutation: location lookups, the read and the write). */
const MAX_OSS_CALLS_REST = 6;
/** GATEWAY_MAX_UPSTREAM_CALLS_PER_REQUEST's default (DESIGN §9). */
const MAX_OSS_CALLS_GRAPHQL = 25;
/** A request not answered within this fails the property (a bound, not a timing assertion). */
const ANSWER_WITHIN_MS = 10_000;
/** 503 codes a request may meet on a busy machine; none of them is a bug of the input's making. */
const TOLERATED_503 = new Set(['OVERLOADED', 'AUDIT_BACKPRESSURE', 'AUDIT_UNAVAILABLE']);
/** A property's whole run (a few hundred requests; about 10 s on a quiet machine). */
const PROPERTY_TIMEOUT_MS = 120_000;
const ONE_MIB = 1024 * 1024;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/graphql',
  'application/octet-stream',
  '*/*',
  '',
];

interface HostileRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: string | Uint8Array;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ossCalls: string[];
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries: the parts of a request

/** Characters an HTTP header value may carry (no CR, LF or NUL), Latin-1 included. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
      fc.constant('\t'),
    ),
    maxLength,
  });

const credentialValue = fc.oneof(
  fc.constantFrom(...VALID_KEYS),
  fc.constantFrom(...VALID_KEYS).map((key) => `Bearer ${key}`),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Basic Zm9vOmJhcg==',
    'Bearer a.b.c',
    'Bearer eyJhbGciOiJub25lIn0.e30.',
  ),
  headerText(300),
  fc.nat(9_000).map((n) => 'k'.repeat(n)),
);

const header: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('authorization', 'Authorization', 'x-api-key', 'X-API-KEY'), credentialValue),
  fc.tuple(fc.constantFrom('x-request-id', 'X-Request-Id'), fc.oneof(headerText(100), fc.uuid())),
  fc.tuple(fc.constant('content-type'), fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText(80))),
  fc.tuple(
    fc.constant('accept'),
    fc.oneof(fc.constantFrom('application/json', 'application/x-ndjson', 'text/html', '*/*'), headerText(80)),
  ),
  fc.tuple(fc.constantFrom('x-forwarded-for', 'origin', 'x-gateway-foo', 'if-none-match'), headerText(100)),
);

/** JSON nested `levels` deep, objects or arrays. */
const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.boolean(), fc.boolean())
  .map(([levels, arrays, closed]) => {
    const open = arrays ? '['.repeat(levels) : '{"a":'.repeat(levels) + '1';
    return closed ? open + (arrays ? ']' : '}').repeat(levels) : open;
  });

/** Bodies that look like the API's own, with wrong types and junk in the fields it reads. */
const wrongTypes = fc
  .record(
    {
      id: fc.jsonValue(),
      prefixes: fc.jsonValue(),
      destination: fc.oneof(fc.jsonValue(), fc.record({ bucket: fc.jsonValue(), location: fc.jsonValue() })),
      enabled: fc.jsonValue(),
      rtc: fc.jsonValue(),
      transferType: fc.jsonValue(),
      historicalObjectReplication: fc.jsonValue(),
      action: fc.jsonValue(),
      resource: fc.jsonValue(),
      policies: fc.jsonValue(),
      __proto__: fc.jsonValue(),
      constructor: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));

const body: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  wrongTypes,
  deepJson,
  fc
    .tuple(fc.nat(Math.round(1.2 * ONE_MIB)), fc.constantFrom('x', 'é', '\\u0000', '"'))
    .map(([n, char]) => `{"id":"${char.repeat(Math.ceil(n / char.length))}"}`),
  fc
    .nat(5_000)
    .map((n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))),
  fc.uint8Array({ maxLength: 2_000 }),
  fc.string({ maxLength: 200 }),
);

/** Path parameters the demo data knows, or nearly. */
const plausiblePathValue = fc.constantFrom(
  'demo-source',
  'demo-replica',
  'demo-archive',
  DEMO_RULE.id,
  'fuzz-rule',
);

/** Bodies the API would accept, or nearly: a rule, an RTC switch, a simulation. */
const plausibleBody = fc
  .record(
    {
      id: fc.oneof(fc.constantFrom('fuzz-rule', DEMO_RULE.id), fc.string({ maxLength: 300 })),
      prefixes: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      destination: fc.record({
        bucket: fc.constantFrom('demo-replica', 'demo-source', 'missing-bucket'),
        location: fc.constantFrom('oss-cn-beijing', 'oss-cn-hangzhou', 'oss-nowhere'),
      }),
      enabled: fc.boolean(),
      action: fc.constantFrom('oss:GetBucketReplication', 'oss:PutBucketReplication', 'oss:*'),
      resource: fc.constantFrom('acs:oss:*:*:demo-source', '*'),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));

/** A path parameter: a real value, percent-encoded junk, raw junk, or a very long value. */
const pathValue = fc.oneof(
  fc.constantFrom('demo-source', 'demo-replica', DEMO_RULE.id, 'missing-bucket'),
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%00', '%2F', '..', '.', '%2e%2e', '%C0%AE', '%FF%FE', '-', 'A'.repeat(64)),
  fc.nat(6_000).map((n) => 'r'.repeat(n)),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('first', 'after', 'limit', 'dryRun', 'kind', 'principal', 'action', 'query'),
          fc.string({ maxLength: 20 }),
        ),
        fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('-1', '0', '1e9', 'true', '[]', 'NaN')),
      ),
      { maxLength: 8 },
    )
    .map(
      (pairs) => '?' + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
    ),
  fc.constantFrom('?', '?&&', '?a', '?a=%', '?%zz=1', '?first=1&first=2', `?q=${'x'.repeat(5_000)}`),
);

// ---------------------------------------------------------------------------------------------------
// Arbitraries: GraphQL documents within DESIGN §9's limits (depth ≤ 10, aliases ≤ 30)

const junkLiteral = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
  fc.constantFrom(
    'null',
    'true',
    'false',
    '[]',
    '[1, "a"]',
    '{}',
    '{ a: 1 }',
    'ENUM_VALUE',
    '""',
    '2147483648',
  ),
);

/** Required arguments and input fields are there most of the time, optional ones now and then. */
const isRequired = (a: { type: GraphQLInputType; defaultValue?: unknown }) =>
  isNonNullType(a.type) && a.defaultValue === undefined;

function maybe(required: boolean, value: fc.Arbitrary<string>): fc.Arbitrary<string | null> {
  return fc.option(value, { freq: required ? 20 : 2 });
}

function validLiteral(type: GraphQLInputType, depth = 0): fc.Arbitrary<string> {
  if (isNonNullType(type)) {
    return validLiteral(type.ofType, depth);
  }
  if (isListType(type)) {
    return fc
      .array(validLiteral(type.ofType, depth + 1), { maxLength: 3 })
      .map((items) => `[${items.join(', ')}]`);
  }
  if (isInputObjectType(type)) {
    if (depth > 3) {
      return fc.constant('{}');
    }
    const fields = Object.values(type.getFields());
    return fc.tuple(...fields.map((f) => maybe(isRequired(f), literal(f.type, depth + 1)))).map((values) => {
      const set = fields.flatMap((f, i) => (values[i] === null ? [] : [`${f.name}: ${values[i]}`]));
      return `{ ${set.join(', ')} }`;
    });
  }
  if (isEnumType(type)) {
    return fc.constantFrom(...type.getValues().map((v) => v.name));
  }
  switch (type.name) {
    case 'Boolean':
      return fc.boolean().map(String);
    case 'Int':
      return fc.integer({ min: -10, max: 1_000 }).map(String);
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).map(String);
    default:
      return fc
        .oneof(
          fc.constantFrom('demo-source', 'demo-replica', DEMO_RULE.id, '*', 'oss-cn-beijing'),
          fc.string(),
        )
        .map((s) => JSON.stringify(s));
  }
}

function literal(type: GraphQLInputType, depth = 0): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: validLiteral(type, depth), weight: 4 }, { arbitrary: junkLiteral, weight: 1 });
}

function argumentsOf(args: readonly GraphQLArgument[]): fc.Arbitrary<string> {
  if (args.length === 0) {
    return fc.constant('');
  }
  return fc.tuple(...args.map((a) => maybe(isRequired(a), literal(a.type)))).map((values) => {
    const set = args.flatMap((a, i) => (values[i] === null ? [] : [`${a.name}: ${values[i]}`]));
    return set.length > 0 ? `(${set.join(', ')})` : '';
  });
}

/** A selection set of `type`, at most `depth` levels further down. */
function selectionSet(type: GraphQLObjectType, depth: number): fc.Arbitrary<string> {
  const fields = Object.values(type.getFields());
  return fc
    .subarray(fields, { minLength: 1, maxLength: Math.min(3, fields.length) })
    .chain((chosen) => fc.tuple(...chosen.map((f) => fieldSelection(f, depth))))
    .map((parts) => `{ ${parts.join(' ')} }`);
}

function fieldSelection(field: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<string> {
  const named = getNamedType(field.type);
  const inner = !isObjectType(named)
    ? fc.constant('')
    : depth <= 0
      ? fc.constant('{ __typename }')
      : selectionSet(named, depth - 1);
  return fc.tuple(argumentsOf(field.args), inner).map(([args, sub]) => `${field.name}${args} ${sub}`);
}

/** An operation of one to three root fields (aliased, so the same field may come twice). */
function operation(schema: GraphQLSchema): fc.Arbitrary<string> {
  const roots = (['query', 'mutation'] as const).flatMap((kind) => {
    const type = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    return type ? Object.values(type.getFields()).map((field) => ({ kind, field })) : [];
  });
  return fc.constantFrom('query', 'mutation').chain((kind) => {
    const fields = roots.filter((r) => r.kind === kind).map((r) => r.field);
    return fc
      .array(
        fc.constantFrom(...fields).chain((f) => fieldSelection(f, 3)),
        { minLength: 1, maxLength: 3 },
      )
      .map((parts) => `${kind} { ${parts.map((p, i) => `a${i}: ${p}`).join(' ')} }`);
  });
}

/** A root field whose arguments are all variables, declared with their type or a wrong one. */
function operationWithVariables(schema: GraphQLSchema): fc.Arbitrary<{ query: string; variables: unknown }> {
  const roots = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
    type ? Object.values(type.getFields()).map((field) => ({ type, field })) : [],
  );
  return fc.constantFrom(...roots.filter((r) => r.field.args.length > 0)).chain(({ type, field }) =>
    fc
      .record({
        declared: fc.tuple(
          ...field.args.map((a) =>
            fc.oneof(
              { arbitrary: fc.constant(String(a.type)), weight: 4 },
              { arbitrary: fc.constantFrom('String', 'Int!', '[String]', 'Boolean'), weight: 1 },
            ),
          ),
        ),
        values: fc.dictionary(
          fc.constantFrom(...field.args.map((a) => a.name)),
          fc.oneof(
            fc.jsonValue(),
            fc.constantFrom('demo-source', DEMO_RULE.id, {
              bucket: 'demo-replica',
              location: 'oss-cn-beijing',
            }),
          ),
        ),
        variablesAsJunk: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 5 },
          { arbitrary: fc.jsonValue(), weight: 1 },
        ),
        selection: fieldSelection({ ...field, args: [] }, 2),
      })
      .map(({ declared, values, variablesAsJunk, selection }) => {
        const kind = type === schema.getMutationType() ? 'mutation' : 'query';
        const decl = field.args.map((a, i) => `$${a.name}: ${declared[i]}`).join(', ');
        const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
        // `selection` is `name sub`; put the arguments between them.
        const sub = selection.slice(field.name.length);
        return {
          query: `${kind} Op(${decl}) { ${field.name}(${args}) ${sub} }`,
          variables: variablesAsJunk ?? values,
        };
      }),
  );
}

// ---------------------------------------------------------------------------------------------------
// The suite

describe('hostile input on every REST route and the GraphQL endpoint', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let origin: string;
  let routes: Array<{ method: string; path: string }>;
  let schema: GraphQLSchema;
  const ossLog: string[] = [];

  beforeAll(async () => {
    // Given the embedded default (demo data and callers) on a real socket, rate limits out of the way
    const config = buildAppConfig({
      DATABASE_URL: 'sqlite::memory:',
      EMULATOR_PORT: '0',
      GATEWAY_RATE_LIMITS: 'read=100000/s,write=100000/s,simulate=100000/s,anonymous=100000/s',
    });
    env = await prepareEmbedded(config, {
      emulator: {
        replication: { tickMs: 0, startingMs: 0 },
        logger: (line) => ossLog.push(line),
      },
    });
    app = await createApp(env.config, { logger: false });
    await app.listen(0, '127.0.0.1');
    // The progress sampler's background passes are no request's OSS calls: out of the count.
    await app.get(ProgressSampler).stop();
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    routes = app
      .get(EndpointRegistry)
      .all()
      .filter((e) => e.transport === 'http')
      .map((e) => {
        const [method, path] = e.route.split(' ');
        return { method, path };
      });
    schema = app.get(GraphQLSchemaHost).schema;
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  /** Sends `req` and collects the answer and the OSS operations the emulator served meanwhile. */
  async function send(req: HostileRequest): Promise<Answer> {
    const before = ossLog.length;
    const res = await request(`${origin}${req.path}`, {
      method: req.method as 'GET',
      headers: req.headers.flat(),
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const text = await res.body.text();
    const ossCalls = ossLog.slice(before).map((line) => line.split(' ')[2]);
    return { status: res.statusCode, headers: res.headers, text, ossCalls };
  }

  /** What every answer must be, whatever the request. */
  function expectSound(req: HostileRequest, res: Answer, graphql: boolean): void {
    const where = `${req.method} ${req.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
    const contentType = String(res.headers['content-type'] ?? '');
    expect(res.headers['x-request-id'], where).toEqual(expect.any(String));
    if (res.status >= 500) {
      expect(res.status, where).toBe(503);
      expect(TOLERATED_503.has((JSON.parse(res.text) as { code?: string }).code ?? ''), where).toBe(true);
    }
    if (req.method === 'HEAD' || res.status === 204 || res.status === 304) {
      return;
    }
    if (res.status >= 400) {
      const graphqlJson = graphql && /^application\/(graphql-response\+)?json/.test(contentType);
      expect(graphqlJson || contentType.startsWith('application/problem+json'), where).toBe(true);
      const problem = JSON.parse(res.text) as { status?: number; code?: string; errors?: unknown[] };
      if (!graphqlJson) {
        expect(problem, where).toMatchObject({ status: res.status, code: expect.any(String) });
      } else {
        expect(problem.errors ?? problem.code, where).toBeDefined();
      }
    }
  }

  const restRequest = (): fc.Arbitrary<HostileRequest> =>
    fc
      .record({
        route: fc.constantFrom(...routes),
        otherMethod: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, fc.constantFrom(...METHODS)),
        params: fc.array(fc.oneof({ arbitrary: plausiblePathValue, weight: 3 }, pathValue), {
          minLength: 4,
          maxLength: 4,
        }),
        query: fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, queryString),
        key: fc.option(fc.constantFrom(...VALID_KEYS), { freq: 4 }),
        json: fc.boolean(),
        headers: fc.oneof(
          { arbitrary: fc.constant<Array<[string, string]>>([]), weight: 2 },
          fc.array(header, { maxLength: 5 }),
        ),
        body: fc.oneof({ arbitrary: plausibleBody, weight: 2 }, body),
      })
      .map(({ route, otherMethod, params, query, key, json, headers: extra, body: payload }) => {
        let i = 0;
        const path = route.path.replace(/:\w+/g, () => params[i++]);
        const method = otherMethod ?? route.method;
        const headers: Array<[string, string]> = json
          ? [['content-type', 'application/json'], ...extra]
          : extra;
        const withKey: Array<[string, string]> = key ? [['x-api-key', key], ...headers] : headers;
        // GET and HEAD carry no body in undici; everything else may.
        const sendsBody = payload !== undefined && method !== 'GET' && method !== 'HEAD';
        return { method, path: path + query, headers: withKey, ...(sendsBody ? { body: payload } : {}) };
      });

  it('finds the REST routes of the application', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes).toContainEqual({ method: 'GET', path: '/v1/buckets/:bucket/replication/rules' });
  });

  it(
    'answers every REST request without a 5xx, as problem+json with an x-request-id, with few OSS calls',
    async () => {
      await fc.assert(
        fc.asyncProperty(restRequest(), async (req) => {
          const res = await send(req);
          expectSound(req, res, false);
          expect(
            res.ossCalls.length,
            `${req.method} ${req.path.slice(0, 200)}: ${res.ossCalls.join(', ')}`,
          ).toBeLessThanOrEqual(MAX_OSS_CALLS_REST);
        }),
        { numRuns: 400 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers random GraphQL documents and variables within the limits without a 5xx',
    async () => {
      const document = fc.oneof(
        operation(schema).map((query) => ({ query, variables: {} })),
        operationWithVariables(schema),
      );
      await fc.assert(
        fc.asyncProperty(
          document,
          fc.option(fc.constantFrom(...VALID_KEYS), { freq: 4 }),
          fc.array(header, { maxLength: 2 }),
          async ({ query, variables }, key, headers) => {
            const req: HostileRequest = {
              method: 'POST',
              path: '/graphql',
              headers: [
                ['content-type', 'application/json'],
                ...(key ? [['x-api-key', key] as [string, string]] : []),
                ...headers,
              ],
              body: JSON.stringify({ query, variables }),
            };
            const res = await send(req);
            expectSound(req, res, true);
            if (res.status === 200) {
              expect(JSON.parse(res.text), query).toEqual(expect.objectContaining({}));
            }
            expect(res.ossCalls.length, `${query}: ${res.ossCalls.join(', ')}`).toBeLessThanOrEqual(
              MAX_OSS_CALLS_GRAPHQL,
            );
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers hostile raw requests to the GraphQL endpoint (GET and POST) without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST'),
          queryString,
          fc.option(fc.constantFrom(...VALID_KEYS), { freq: 2 }),
          fc.array(header, { maxLength: 4 }),
          body,
          async (method, query, key, headers, payload) => {
            const req: HostileRequest = {
              method,
              path: `/graphql${query}`,
              headers: key ? [['x-api-key', key], ...headers] : headers,
              ...(payload !== undefined && method === 'POST' ? { body: payload } : {}),
            };
            const res = await send(req);
            expectSound(req, res, true);
            expect(res.ossCalls.length).toBeLessThanOrEqual(MAX_OSS_CALLS_GRAPHQL);
          },
        ),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
