import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { DEMO_RULE, prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';

const VIEWER = 'demo-viewer-key';

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }>;
}

describe('GraphQL query root fields (DESIGN §9: nullable, so one denial leaves the others’ data)', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let http: FastifyInstance;

  const graphql = async (query: string, key = VIEWER): Promise<GraphqlAnswer> => {
    const res = await http.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      payload: { query },
    });
    expect(res.statusCode).toBe(200);
    return res.json<GraphqlAnswer>();
  };

  beforeAll(async () => {
    // Given the embedded default: emulator demo data and the demo principals
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config, { emulator: { replication: { tickMs: 0, startingMs: 0 } } });
    app = await createApp(env.config, { logger: false });
    await app.init();
    http = app.getHttpAdapter().getInstance();
    await http.ready();
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('gives the viewer the rules it may read and a FORBIDDEN error for the audit trail it may not', async () => {
    // When the viewer (oss:GetBucketReplication* only) asks for rules and audit events in one query
    const answer = await graphql(
      '{ replicationRules(bucket: "demo-source") { id } auditEvents(first: 1) { items { id } } }',
    );

    // Then the rules are there, auditEvents is null, and one FORBIDDEN error sits on its path
    expect(answer.data).toEqual({ replicationRules: [{ id: DEMO_RULE.id }], auditEvents: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({ path: ['auditEvents'], extensions: { code: 'FORBIDDEN' } });
    expect(answer.errors?.[0].message).toContain('gateway:ListAuditEvents');
  });

  it('keeps the caller and the other replication fields when a simulation is denied', async () => {
    const answer = await graphql(
      `{ me { id } replicationRule(bucket: "demo-source", id: "${DEMO_RULE.id}") { id }
         simulatePolicy(input: { action: "oss:PutBucketRtc", resource: "*" }) { decision } }`,
    );

    expect(answer.data).toEqual({
      me: { id: 'viewer' },
      replicationRule: { id: DEMO_RULE.id },
      simulatePolicy: null,
    });
    expect(answer.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['simulatePolicy'], 'FORBIDDEN'],
    ]);
  });

  it('declares every Query field nullable in the schema', async () => {
    const answer = await graphql('{ __schema { queryType { fields { name type { kind } } } } }');
    const fields = (
      answer.data as { __schema: { queryType: { fields: Array<{ name: string; type: { kind: string } }> } } }
    ).__schema.queryType.fields;
    expect(fields.length).toBeGreaterThan(5);
    expect(fields.filter((f) => f.type.kind === 'NON_NULL').map((f) => f.name)).toEqual([]);
  });
});
