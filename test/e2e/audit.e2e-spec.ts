import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { resolvePostgresTestUrl } from '../../src/audit/__fixtures__/postgres-test-schema.js';
import { KyselyAuditStore } from '../../src/audit/store/kysely-audit-store.js';
import { buildAppConfig } from '../../src/config/app.config.js';

/** Callers of the audit routes: one allowed, one implicitly and one explicitly denied. */
const KEYS = {
  auditor: `auditor-${randomBytes(8).toString('hex')}`,
  reader: `reader-${randomBytes(8).toString('hex')}`,
  denied: `denied-${randomBytes(8).toString('hex')}`,
};
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function principalsFile(dir: string): string {
  const file = join(dir, 'principals.json');
  writeFileSync(
    file,
    JSON.stringify({
      policies: {
        NoAuditReading: {
          Version: '1',
          Statement: [{ Effect: 'Deny', Action: 'gateway:ListAuditEvents', Resource: '*' }],
        },
      },
      principals: [
        {
          id: 'auditor',
          type: 'user',
          policies: ['GatewayAdministratorAccess'],
          apiKeys: [{ id: 'auditor-1', sha256: sha256(KEYS.auditor) }],
        },
        {
          id: 'billing-service',
          type: 'service',
          policies: ['AliyunOSSReadOnlyAccess'],
          apiKeys: [{ id: 'billing-1', sha256: sha256(KEYS.reader) }],
        },
        {
          id: 'contractor',
          type: 'user',
          policies: ['GatewayAdministratorAccess', 'NoAuditReading'],
          apiKeys: [{ id: 'contractor-1', sha256: sha256(KEYS.denied) }],
        },
      ],
    }),
  );
  return file;
}

const pgUrl = await resolvePostgresTestUrl();
const pgSchema = `audit_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;

async function pgExec(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl! });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const backends = [
  { name: 'SQLite', url: () => Promise.resolve('sqlite::memory:'), drop: () => Promise.resolve() },
  ...(pgUrl
    ? [
        {
          name: 'PostgreSQL',
          url: async () => {
            await pgExec(`create schema "${pgSchema}"`);
            const url = new URL(pgUrl);
            url.searchParams.set('options', `-c search_path=${pgSchema}`);
            return url.toString();
          },
          drop: () => pgExec(`drop schema if exists "${pgSchema}" cascade`),
        },
      ]
    : []),
];

const AUDIT_QUERY = `query Audit($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    items { id time requestId transport kind principal keyId action resource bucket decision
            matchedStatements { policy statement sid effect } operation dryRun }
    nextCursor
  }
}`;

describe.each(backends)('audit trail over REST and GraphQL ($name)', (backend) => {
  let dir: string;
  let app: NestFastifyApplication;
  let base: string;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
    const config = buildAppConfig({
      DATABASE_URL: await backend.url(),
      GATEWAY_PRINCIPALS_FILE: principalsFile(dir),
      AUDIT_FLUSH_INTERVAL_MS: '20',
      // The test's own X-Request-Id values are honoured: it calls from a trusted proxy's address.
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1',
    });
    app = await createApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await backend.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('GET /v1/audit', () => {
    it('shows an allowed caller the decisions recorded for another caller', async () => {
      await request(base).get('/v1/me').set(as(KEYS.reader)).set('x-request-id', 'e2e-me-1').expect(200);

      const res = await request(base)
        .get('/v1/audit')
        .query({ principal: 'billing-service', first: 10 })
        .set(as(KEYS.auditor))
        .expect(200);

      expect(res.body.nextCursor).toBeNull();
      const event = res.body.items.find((e: { requestId: string }) => e.requestId === 'e2e-me-1');
      expect(event).toMatchObject({
        transport: 'http',
        kind: 'decision',
        principal: 'billing-service',
        keyId: 'billing-1',
        decision: 'Allow',
        dryRun: false,
      });
      expect(new Date(event.time).toISOString()).toBe(event.time);
      expect(typeof event.id).toBe('string');
    });

    it('denies a caller without gateway:ListAuditEvents with the explanation, and audits the denial', async () => {
      const res = await request(base)
        .get('/v1/audit')
        .set(as(KEYS.reader))
        .set('x-request-id', 'e2e-denied-1')
        .expect(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({
        code: 'FORBIDDEN',
        requestId: 'e2e-denied-1',
        authorization: { decision: 'ImplicitDeny', action: 'gateway:ListAuditEvents', resource: '*' },
      });

      const audit = await request(base)
        .get('/v1/audit')
        .query({ decision: 'ImplicitDeny', action: 'gateway:ListAuditEvents' })
        .set(as(KEYS.auditor))
        .expect(200);
      expect(audit.body.items.map((e: { requestId: string }) => e.requestId)).toContain('e2e-denied-1');
    });

    it('names the Deny statement when a policy explicitly denies reading the audit trail', async () => {
      const res = await request(base).get('/v1/audit').set(as(KEYS.denied)).expect(403);
      expect(res.body.authorization).toMatchObject({
        decision: 'ExplicitDeny',
        matchedStatements: [
          expect.objectContaining({ policy: 'NoAuditReading', statement: 0, effect: 'Deny' }),
        ],
      });
    });

    it('answers 401 with WWW-Authenticate without credentials or with an unknown key', async () => {
      const none = await request(base).get('/v1/audit').expect(401);
      expect(none.headers['www-authenticate']).toMatch(/Bearer/);
      expect(none.body.code).toBe('UNAUTHENTICATED');
      await request(base).get('/v1/audit').set(as('not-a-key-of-anyone')).expect(401);
    });

    it('pages newest first through nextCursor without repeats', async () => {
      for (let i = 0; i < 5; i += 1) {
        await request(base)
          .get('/v1/me')
          .set(as(KEYS.reader))
          .set('x-request-id', `e2e-page-${i}`)
          .expect(200);
      }
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const res = await request(base)
          .get('/v1/audit')
          .query({
            principal: 'billing-service',
            action: 'authenticated',
            first: 2,
            ...(after ? { after } : {}),
          })
          .set(as(KEYS.auditor))
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((e: { requestId: string }) => e.requestId));
        after = res.body.nextCursor ?? undefined;
      } while (after);
      const pages = seen.filter((id) => id.startsWith('e2e-page-'));
      expect(pages).toEqual(['e2e-page-4', 'e2e-page-3', 'e2e-page-2', 'e2e-page-1', 'e2e-page-0']);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('filters by time range', async () => {
      const future = await request(base)
        .get('/v1/audit')
        .query({ from: '2999-01-01T00:00:00Z' })
        .set(as(KEYS.auditor))
        .expect(200);
      expect(future.body.items).toEqual([]);
      const past = await request(base)
        .get('/v1/audit')
        .query({ principal: 'billing-service', to: '2000-01-01' })
        .set(as(KEYS.auditor))
        .expect(200);
      expect(past.body.items).toEqual([]);
    });

    it.each([
      [{ decision: 'Maybe' }, 'decision'],
      [{ bucket: 'Not_A_Bucket' }, 'bucket'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2025-05-01T10:00:00' }, 'to'],
      [{ first: '0' }, 'first'],
      [{ first: '501' }, 'first'],
      [{ first: 'ten' }, 'first'],
      [{ colour: 'blue' }, 'colour'],
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
    ])('rejects the query %j naming the field', async (query, field) => {
      const res = await request(base).get('/v1/audit').query(query).set(as(KEYS.auditor)).expect(400);
      expect(res.body.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('GraphQL auditEvents', () => {
    const gql = (key: string | undefined, variables: Record<string, unknown>) => {
      const req = request(base).post('/graphql').send({ query: AUDIT_QUERY, variables });
      return key ? req.set(as(key)) : req;
    };

    it('answers an allowed caller with UPPER_CASE enums and the deciding statements', async () => {
      await request(base).get('/v1/me').set(as(KEYS.reader)).set('x-request-id', 'e2e-gql-1').expect(200);
      await gql(KEYS.reader, {}); // a denied GraphQL call, audited too

      const res = await gql(KEYS.auditor, { filter: { principal: 'billing-service' }, first: 50 }).expect(
        200,
      );
      expect(res.body.errors).toBeUndefined();
      const items = res.body.data.auditEvents.items as Array<Record<string, unknown>>;
      expect(items.find((e) => e.requestId === 'e2e-gql-1')).toMatchObject({
        transport: 'HTTP',
        kind: 'DECISION',
        decision: 'ALLOW',
        keyId: 'billing-1',
      });
      expect(items.find((e) => e.transport === 'GRAPHQL')).toMatchObject({
        decision: 'IMPLICIT_DENY',
        action: 'gateway:ListAuditEvents',
        operation: 'Query.auditEvents',
      });

      const denials = await gql(KEYS.auditor, { filter: { decision: 'EXPLICIT_DENY' }, first: 1 }).expect(
        200,
      );
      expect(denials.body.data.auditEvents.items[0]).toMatchObject({
        principal: 'contractor',
        matchedStatements: [{ policy: 'NoAuditReading', statement: 0, sid: null, effect: 'DENY' }],
      });
    });

    it('pages with first and after', async () => {
      const one = await gql(KEYS.auditor, { first: 1 }).expect(200);
      const cursor = one.body.data.auditEvents.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      const two = await gql(KEYS.auditor, { first: 1, after: cursor }).expect(200);
      expect(two.body.data.auditEvents.items[0].id).not.toBe(one.body.data.auditEvents.items[0].id);
    });

    it('denies a caller without the action with FORBIDDEN and the explanation', async () => {
      const res = await gql(KEYS.denied, {});
      expect(res.body.data?.auditEvents ?? null).toBeNull();
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        authorization: { decision: 'ExplicitDeny', action: 'gateway:ListAuditEvents' },
      });
    });

    it('answers UNAUTHENTICATED without credentials', async () => {
      const res = await gql(undefined, {});
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it.each([
      [{ first: 0 }, 'first'],
      [{ first: 501 }, 'first'],
      [{ filter: { bucket: 'UPPER' } }, 'filter.bucket'],
      [{ filter: { from: 'yesterday' } }, 'filter.from'],
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
    ])('rejects the variables %j as BAD_USER_INPUT', async (variables, field) => {
      const res = await gql(KEYS.auditor, variables);
      const error = res.body.errors[0];
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  it('documents GET /v1/audit as listAuditEvents with its query parameters', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const operation = document.paths['/v1/audit']?.get;
    expect(operation?.operationId).toBe('listAuditEvents');
    const names = (operation?.parameters ?? []).map((p) => ('name' in p ? p.name : ''));
    expect(names).toEqual(
      expect.arrayContaining(['principal', 'action', 'decision', 'bucket', 'from', 'to', 'first', 'after']),
    );
  });

  it('reports the audit store in readiness', async () => {
    const res = await request(base).get('/health/ready');
    expect(res.body.checks.audit).toMatchObject({ status: 'up' });
  });
});

describe('audit trail on shutdown', () => {
  it('writes the events still queued when the application closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-e2e-shutdown-'));
    try {
      const url = `sqlite:${join(dir, 'data', 'gateway.db')}`;
      const config = buildAppConfig({
        DATABASE_URL: url,
        GATEWAY_PRINCIPALS_FILE: principalsFile(dir),
        AUDIT_FLUSH_INTERVAL_MS: '60000',
      });
      const app = await createApp(config, { logger: false });
      await app.listen(0, '127.0.0.1');
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      for (let i = 0; i < 3; i += 1) {
        await request(base)
          .get('/v1/me')
          .set({ authorization: `Bearer ${KEYS.reader}` })
          .expect(200);
      }
      await app.close();

      const store = KyselyAuditStore.open(url);
      try {
        expect(await store.query({ principal: 'billing-service' }, 10)).toHaveLength(3);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
