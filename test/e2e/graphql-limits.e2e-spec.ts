import 'reflect-metadata';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { ConfigValidationError } from '../../src/config/env.schema.js';
import { prepareEmbedded } from '../../src/embedded/prepare-embedded.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import {
  newSigningKey,
  serveJwks,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type JwksServer,
} from '../fixtures/jwt.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, TEST_ENV, type TestApp } from '../utils/create-test-app.js';

/*
 * GraphQL limits (DESIGN §9): tokens ≤ 5,000, depth ≤ 10, aliases ≤ 30, root fields ≤ 20 and a
 * declared cost ≤ GATEWAY_GRAPHQL_MAX_COST (default 25), checked before execution. Every refusal is
 * a 400 with BAD_USER_INPUT naming the limit, and not one OSS call (counted at the emulator).
 */

const BUCKET = 'limits-src';
const RULES = `replicationRules(bucket: "${BUCKET}") { id }`;

interface LimitAnswer {
  status: number;
  body: {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string; limit?: Record<string, unknown> } }>;
  };
}

function expectRefusal(res: LimitAnswer, limit: Record<string, unknown>): void {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  const [error] = res.body.errors ?? [];
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.extensions?.limit).toMatchObject(limit);
  expect(error.message).toContain(
    `GraphQL ${String(limit.name)} limit exceeded: at most ${String(limit.max)}`,
  );
}

/** `count` aliased copies of `field`, `a0: field a1: field …`. */
const aliases = (count: number, field: string) =>
  Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');

/**
 * A document `depth` levels deep, as graphql-armor counts them (`{ me { id } }` is 2): the schema has
 * no recursive type, so the levels between `me` and `id` are inline fragments.
 */
function depthQuery(depth: number): string {
  let selection = 'id';
  for (let level = 2; level < depth; level += 1) {
    selection = `... on CallerIdentity { ${selection} }`;
  }
  return `{ me { ${selection} } }`;
}

describe('GraphQL limits', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let jwks: JwksServer;
  let t: TestApp;
  let ossCalls = 0;
  const reader = principalWithKey('limits-reader', { policies: ['AliyunOSSReadOnlyAccess'] });
  const portal = principalWithKey('limits-portal', {
    policies: ['AliyunOSSReadOnlyAccess'],
    jwtSubjects: ['client:limits-portal'],
  });
  let token: string;

  const graphql = async (query: string, headers: Record<string, string> = { 'x-api-key': reader.secret }) => {
    const res = await t.graphql(query, {}, headers);
    return { status: res.status, body: res.body as LimitAnswer['body'] };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: () => (ossCalls += 1) });
    emulator.admin.createBucket(BUCKET, 'cn-hangzhou');
    const key = await newSigningKey('limits-idp', 'RS256');
    jwks = await serveJwks([key]);
    token = await signToken(key, { subject: 'client:limits-portal' });
    principals = writePrincipalsFile({
      principals: [reader.entry, portal.entry],
      jwt: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUrl: jwks.url },
    });
    // The explorer on, as in embedded mode, so introspection meets the limits too
    t = await createTestApp({
      ...emulatorEnv(emulator),
      GATEWAY_PRINCIPALS_FILE: principals.file,
      GATEWAY_GRAPHQL_EXPLORER: 'on',
    });
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    await jwks?.close();
    principals?.cleanup();
  });
  beforeEach(() => {
    ossCalls = 0;
  });

  it('refuses 13,000 aliases of replicationRules from a read-only key without one OSS call', async () => {
    const res = await graphql(`{ ${aliases(13_000, RULES)} }`);

    // The token limit is met while parsing, long before the 13,000th alias
    expectRefusal(res, { name: 'tokens', max: 5_000 });
    expect(ossCalls).toBe(0);
  });

  it('refuses 31 aliases naming the alias limit, without one OSS call', async () => {
    // One root field of cost 1, so the alias limit is the only one met
    const res = await graphql(`{ replicationRules(bucket: "${BUCKET}") { ${aliases(31, 'id')} } }`);

    expectRefusal(res, { name: 'aliases', max: 30, actual: 31 });
    expect(ossCalls).toBe(0);
  });

  it('refuses 40,000 aliases of me { id } at the token limit', async () => {
    const res = await graphql(`{ ${aliases(40_000, 'me { id }')} }`);

    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].message).toMatch(/GraphQL tokens limit exceeded: at most 5000/);
  });

  it('refuses a document 11 levels deep and answers one 10 levels deep', async () => {
    const res = await graphql(depthQuery(11));

    expectRefusal(res, { name: 'depth', max: 10, actual: 11 });
    expect(ossCalls).toBe(0);

    const answered = await graphql(depthQuery(10));
    expect(answered.status).toBe(200);
    expect(answered.body.data).toEqual({ me: { id: 'limits-reader' } });
  });

  it('refuses 21 root fields and answers 20', async () => {
    const fields = (count: number) => Array.from({ length: count }, () => '__typename').join(' ');
    const refused = await graphql(`{ me { id } ${fields(20)} }`);
    expectRefusal(refused, { name: 'rootFields', max: 20, actual: 21 });

    const answered = await graphql(`{ me { id } ${fields(19)} }`);
    expect(answered.status).toBe(200);
    expect(answered.body.data).toMatchObject({ me: { id: 'limits-reader' } });
  });

  it('refuses a declared cost over GATEWAY_GRAPHQL_MAX_COST without one OSS call', async () => {
    // 13 rules lists with their progress: 13 × (1 + 1) = 26 > 25, under every other limit
    const res = await graphql(
      `{ ${aliases(13, `replicationRules(bucket: "${BUCKET}") { id progress { historicalObjectProgress } }`)} }`,
    );

    expectRefusal(res, { name: 'cost', max: 25, actual: 26 });
    expect(ossCalls).toBe(0);
  });

  it('costs a page of audit events by its size: one per 100 events, a variable size as the largest', async () => {
    const page = (first: string) => `auditEvents(first: ${first}) { items { id } }`;
    // 6 pages of 500: 6 × 5 = 30 > 25
    expectRefusal(await graphql(`{ ${aliases(6, page('500'))} }`), { name: 'cost', max: 25, actual: 30 });
    // 5 of them are within the cost (the reader may not read the audit: refused per field, not by cost)
    const five = await graphql(`{ ${aliases(5, page('500'))} }`);
    expect(five.status).toBe(200);
    expect(five.body.errors?.map((e) => e.extensions?.code)).toEqual(Array(5).fill('FORBIDDEN'));
    // A size given by a variable is not known before execution: costed as 500
    expectRefusal(await graphql(`query ($n: Int) { ${aliases(6, page('$n'))} }`), {
      name: 'cost',
      max: 25,
      actual: 30,
    });
    // The default page (50) costs 1
    expect((await graphql(`{ ${aliases(20, 'auditEvents { items { id } }')} }`)).status).toBe(200);
    expect(ossCalls).toBe(0);
  });

  it('answers a normal query under the limits', async () => {
    const res = await graphql(`{ me { id } ${aliases(2, RULES)} }`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { me: { id: 'limits-reader' }, a0: [], a1: [] } });
    expect(ossCalls).toBeGreaterThan(0);
  });

  it('applies the same limits to a JWT caller', async () => {
    const res = await graphql(`{ replicationRules(bucket: "${BUCKET}") { ${aliases(31, 'id')} } }`, {
      authorization: `Bearer ${token}`,
    });

    expectRefusal(res, { name: 'aliases', max: 30, actual: 31 });
    expect(ossCalls).toBe(0);
  });

  it('answers the full introspection query Playground sends (its depth below __schema is not counted)', async () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
    const res = await graphql(query);

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
  });

  it('reports each limit a document exceeds', async () => {
    // 31 root aliases of a costing field: aliases, root fields and cost at once
    const res = await graphql(`{ ${aliases(31, RULES)} }`);

    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.limit?.name).sort()).toEqual([
      'aliases',
      'cost',
      'rootFields',
    ]);
    expect(res.body.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    expect(ossCalls).toBe(0);
  });

  it('refuses a batched request (a JSON array) without executing any of it', async () => {
    const res = await t.request
      .post('/graphql')
      .set('x-api-key', reader.secret)
      .set('content-type', 'application/json')
      .send(JSON.stringify([{ query: `{ ${RULES} }` }, { query: `{ ${RULES} }` }]));

    expect(res.status).toBe(400);
    expect(ossCalls).toBe(0);
  });
});

describe('GATEWAY_GRAPHQL_MAX_COST', () => {
  it('defaults to 25 and refuses a value that is not a positive integer, naming the variable', () => {
    expect(buildAppConfig(TEST_ENV).graphqlMaxCost).toBe(25);
    expect(buildAppConfig({ ...TEST_ENV, GATEWAY_GRAPHQL_MAX_COST: '3' }).graphqlMaxCost).toBe(3);
    for (const bad of ['0', '-1', 'many', '2.5']) {
      expect(() => buildAppConfig({ ...TEST_ENV, GATEWAY_GRAPHQL_MAX_COST: bad })).toThrow(
        ConfigValidationError,
      );
      expect(() => buildAppConfig({ ...TEST_ENV, GATEWAY_GRAPHQL_MAX_COST: bad })).toThrow(
        /GATEWAY_GRAPHQL_MAX_COST/,
      );
    }
  });

  it('is the cost limit the gateway enforces', async () => {
    // Embedded mode: the demo data, the viewer may read rules and progress
    const config = buildAppConfig({ ...TEST_ENV, EMULATOR_PORT: '0', GATEWAY_GRAPHQL_MAX_COST: '1' });
    const env = await prepareEmbedded(config, { emulator: { replication: { tickMs: 0, startingMs: 0 } } });
    const app = await createApp(env.config, { logger: false });
    try {
      await app.init();
      const http = app.getHttpAdapter().getInstance();
      await http.ready();
      const ask = (query: string) =>
        http.inject({
          method: 'POST',
          url: '/graphql',
          headers: { 'content-type': 'application/json', 'x-api-key': 'demo-viewer-key' },
          payload: { query },
        });

      const within = await ask('{ replicationRules(bucket: "demo-source") { id } }');
      expect(within.statusCode).toBe(200);
      const over = await ask(
        '{ replicationRules(bucket: "demo-source") { id progress { historicalObjectProgress } } }',
      );
      expect(over.statusCode).toBe(400);
      expect(over.json().errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        limit: { name: 'cost', max: 1, actual: 2 },
      });
    } finally {
      await app.close();
      await env.close();
    }
  });
});
