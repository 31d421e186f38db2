import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import {
  allow,
  policy,
  principalWithKey,
  standardCallers,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { newSigningKey, signToken, TEST_AUDIENCE, TEST_ISSUER } from '../fixtures/jwt.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/**
 * Every route and resolver of the auth slice, each shown with an allowed caller, a denied caller
 * (with the explanation) and an unauthenticated caller, over REST and GraphQL.
 */

const ACCOUNT_ENV = { OSS_ACCOUNT_ID: '1234567890123456' };

// The gateway talks to a real OSS emulator: bucket regions come from GetBucketLocation.
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
  emu.admin.createBucket('my-bucket', 'cn-beijing');
});
afterAll(async () => {
  await emu?.close();
});

const ME_QUERY = `{ me { id type groups keyId authenticatedBy } }`;
const PERMISSIONS_QUERY = `query($bucket: String!) { me { id permissions(bucket: $bucket) { bucket resource actions { action decision } } } }`;
const SIMULATE_QUERY = `query($input: SimulatePolicyInput!) {
  simulatePolicy(input: $input) { decision matchedStatements { policy statement sid effect } missingContextKeys }
}`;

const RTC_ON_BUCKET = {
  action: 'oss:PutBucketRtc',
  resource: 'acs:oss:cn-beijing:1234567890123456:my-bucket',
};

describe('auth routes', () => {
  const callers = standardCallers();
  let file: PrincipalsFile;
  let t: TestApp;

  beforeAll(async () => {
    file = writePrincipalsFile(callers.document);
    t = await createTestApp({ ...emulatorEnv(emu), ...ACCOUNT_ENV, GATEWAY_PRINCIPALS_FILE: file.file });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  describe('GET /v1/me', () => {
    it('describes the authenticated caller, whatever its policies', async () => {
      const res = await t.request.get('/v1/me').set('x-api-key', callers.nobody.secret).expect(200);
      expect(res.body).toEqual({
        id: 'nobody-service',
        type: 'user',
        groups: [],
        keyId: 'nobody-service-key',
        authenticatedBy: 'api-key',
      });
    });

    it('accepts the API key as a Bearer credential', async () => {
      const res = await t.request
        .get('/v1/me')
        .set('authorization', `Bearer ${callers.admin.secret}`)
        .expect(200);
      expect(res.body).toMatchObject({ id: 'admin-service', groups: ['platform-admins'] });
    });

    it('answers 401 with WWW-Authenticate to a caller without credentials', async () => {
      const res = await t.request.get('/v1/me').expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    });

    it('answers 401 to an unknown key without echoing it', async () => {
      const res = await t.request.get('/v1/me').set('x-api-key', 'not-a-configured-secret-123').expect(401);
      expect(res.body.detail).toBe('The API key is not valid.');
      expect(JSON.stringify(res.body)).not.toContain('not-a-configured-secret-123');
    });

    it('answers 401 to a non-Bearer Authorization scheme', async () => {
      const res = await t.request
        .get('/v1/me')
        .set('authorization', `Basic ${callers.admin.secret}`)
        .expect(401);
      expect(res.body.detail).toMatch(/Bearer scheme/);
    });
  });

  describe('GET /v1/me/permissions', () => {
    it('gives the decision for each of the six replication actions on the bucket ARN, then the gateway actions', async () => {
      const res = await t.request
        .get('/v1/me/permissions')
        .query({ bucket: 'my-bucket' })
        .set('x-api-key', callers.reader.secret)
        .expect(200);
      expect(res.body).toEqual({
        bucket: 'my-bucket',
        resource: 'acs:oss:cn-beijing:1234567890123456:my-bucket',
        actions: {
          'oss:GetBucketReplication': 'Allow',
          'oss:PutBucketReplication': 'ImplicitDeny',
          'oss:PutBucketRtc': 'ImplicitDeny',
          'oss:DeleteBucketReplication': 'ImplicitDeny',
          'oss:GetBucketReplicationProgress': 'Allow',
          'oss:GetBucketReplicationLocation': 'Allow',
          'gateway:SimulatePolicy': 'ImplicitDeny',
          'gateway:ListAuditEvents': 'ImplicitDeny',
        },
      });
    });

    it('shows portals whether to offer Simulate and Audit: the gateway actions, explicit denies included', async () => {
      const res = await t.request
        .get('/v1/me/permissions?bucket=my-bucket')
        .set('x-api-key', callers.blocked.secret)
        .expect(200);
      expect(res.body.actions).toMatchObject({
        'gateway:SimulatePolicy': 'ExplicitDeny',
        'gateway:ListAuditEvents': 'Allow',
      });
    });

    it('answers 404 BucketNotFound, like every missing-bucket answer, for a bucket OSS does not know', async () => {
      const res = await t.request
        .get('/v1/me/permissions?bucket=ghost-bucket')
        .set('x-api-key', callers.reader.secret)
        .expect(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'BucketNotFound',
        oss: { code: 'NoSuchBucket', status: 404 },
      });
      expect(res.body).not.toHaveProperty('resource');
    });

    it('shows a caller without policies that it may do nothing', async () => {
      const res = await t.request
        .get('/v1/me/permissions?bucket=my-bucket')
        .set('x-api-key', callers.nobody.secret)
        .expect(200);
      expect(new Set(Object.values(res.body.actions))).toEqual(new Set(['ImplicitDeny']));
    });

    it('rejects a bucket name that breaks the OSS naming rule', async () => {
      const res = await t.request
        .get('/v1/me/permissions?bucket=My_Bucket')
        .set('x-api-key', callers.reader.secret)
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'bucket' })]);
    });

    it('answers 401 to an unauthenticated caller', async () => {
      await t.request.get('/v1/me/permissions?bucket=my-bucket').expect(401);
    });
  });

  describe('POST /v1/authz/simulate', () => {
    it("evaluates the caller's own policies when neither policies nor principal is given", async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send(RTC_ON_BUCKET)
        .expect(200);
      expect(res.body).toEqual({
        decision: 'Allow',
        matchedStatements: [{ policy: 'AliyunOSSFullAccess', statement: 0, effect: 'Allow' }],
        missingContextKeys: [],
      });
    });

    it("evaluates a configured principal's policies", async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({ ...RTC_ON_BUCKET, action: 'oss:GetBucketReplication', principal: 'reader-service' })
        .expect(200);
      expect(res.body.decision).toBe('Allow');
      expect(res.body.matchedStatements).toEqual([
        { policy: 'AliyunOSSReadOnlyAccess', statement: 0, effect: 'Allow' },
      ]);
    });

    it('evaluates inline documents with the given context and names statements by policy index', async () => {
      const ipBound = policy(
        allow('oss:PutBucketRtc', '*', { Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }),
      );
      const denyTag = policy({
        Sid: 'NoProd',
        Effect: 'Deny',
        Action: 'oss:*',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'oss:Tags': ['prod'] } },
      });
      const inside = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({
          ...RTC_ON_BUCKET,
          policies: [ipBound, denyTag],
          context: { 'acs:SourceIp': '10.1.2.3', 'oss:Tags': ['dev', 'test'] },
        })
        .expect(200);
      expect(inside.body).toEqual({
        decision: 'Allow',
        matchedStatements: [{ policy: 0, statement: 0, effect: 'Allow' }],
        missingContextKeys: [],
      });
      const prod = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({
          ...RTC_ON_BUCKET,
          policies: [ipBound, denyTag],
          context: { 'acs:SourceIp': '10.1.2.3', 'oss:Tags': ['prod'] },
        })
        .expect(200);
      expect(prod.body.decision).toBe('ExplicitDeny');
      expect(prod.body.matchedStatements).toEqual([
        { policy: 1, statement: 0, sid: 'NoProd', effect: 'Deny' },
      ]);
      const noContext = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({ ...RTC_ON_BUCKET, policies: [ipBound] })
        .expect(200);
      expect(noContext.body).toEqual({
        decision: 'ImplicitDeny',
        matchedStatements: [],
        missingContextKeys: ['acs:SourceIp'],
      });
    });

    it('answers 400 with the JSON path of each problem in a malformed policy', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({
          ...RTC_ON_BUCKET,
          policies: [
            policy(allow('oss:*')),
            { Version: '1', Statement: [{ Effect: 'Permit', Action: 'oss:*', Resource: '*' }] },
          ],
        })
        .expect(400);
      expect(res.body.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'policies[1].Statement[0].Effect' }),
      ]);
    });

    it('answers 400 to a context value that is an object', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({ ...RTC_ON_BUCKET, context: { 'acs:SourceIp': { ip: '10.0.0.1' } } })
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'context' })]);
    });

    it('answers 404 for a principal that is not configured', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.admin.secret)
        .send({ ...RTC_ON_BUCKET, principal: 'ghost-service' })
        .expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it('denies a caller whose policies explicitly deny gateway:SimulatePolicy, naming the statement', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.blocked.secret)
        .send(RTC_ON_BUCKET)
        .expect(403);
      expect(res.body).toMatchObject({
        code: 'FORBIDDEN',
        detail: 'Caller blocked-service may not gateway:SimulatePolicy on * (ExplicitDeny).',
        authorization: {
          decision: 'ExplicitDeny',
          action: 'gateway:SimulatePolicy',
          resource: '*',
          matchedStatements: [{ policy: 'NoSimulation', statement: 0, sid: 'NoSimulate', effect: 'Deny' }],
        },
      });
    });

    it('denies a caller that no statement allows (implicit deny)', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.reader.secret)
        .send(RTC_ON_BUCKET)
        .expect(403);
      expect(res.body.authorization).toMatchObject({ decision: 'ImplicitDeny', matchedStatements: [] });
    });

    it('answers 401 to an unauthenticated caller before validating anything', async () => {
      await t.request.post('/v1/authz/simulate').send({}).expect(401);
    });
  });

  describe('GraphQL me', () => {
    it('describes the caller', async () => {
      const res = await t.graphql(ME_QUERY, {}, { 'x-api-key': callers.admin.secret }).expect(200);
      expect(res.body.data.me).toEqual({
        id: 'admin-service',
        type: 'SERVICE',
        groups: ['platform-admins'],
        keyId: 'admin-service-key',
        authenticatedBy: 'API_KEY',
      });
    });

    it('answers UNAUTHENTICATED without credentials', async () => {
      // Upstream mode, explorer off: the document is refused before it is read (DESIGN §5).
      const res = await t.graphql(ME_QUERY).expect(401);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('GraphQL me.permissions', () => {
    it('lists the decision of every replication action', async () => {
      const res = await t.graphql(
        PERMISSIONS_QUERY,
        { bucket: 'my-bucket' },
        { 'x-api-key': callers.reader.secret },
      );
      expect(res.body.errors).toBeUndefined();
      const permissions = res.body.data.me.permissions;
      expect(permissions.resource).toBe('acs:oss:cn-beijing:1234567890123456:my-bucket');
      expect(
        Object.fromEntries(
          permissions.actions.map((a: { action: string; decision: string }) => [a.action, a.decision]),
        ),
      ).toEqual({
        'oss:GetBucketReplication': 'ALLOW',
        'oss:PutBucketReplication': 'IMPLICIT_DENY',
        'oss:PutBucketRtc': 'IMPLICIT_DENY',
        'oss:DeleteBucketReplication': 'IMPLICIT_DENY',
        'oss:GetBucketReplicationProgress': 'ALLOW',
        'oss:GetBucketReplicationLocation': 'ALLOW',
        'gateway:SimulatePolicy': 'IMPLICIT_DENY',
        'gateway:ListAuditEvents': 'IMPLICIT_DENY',
      });
    });

    it('answers NOT_FOUND for a bucket OSS does not know', async () => {
      const res = await t.graphql(
        PERMISSIONS_QUERY,
        { bucket: 'ghost-bucket' },
        { 'x-api-key': callers.reader.secret },
      );
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'BucketNotFound' });
    });

    it('rejects an invalid bucket name as BAD_USER_INPUT', async () => {
      const res = await t.graphql(PERMISSIONS_QUERY, { bucket: 'x' }, { 'x-api-key': callers.reader.secret });
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('answers UNAUTHENTICATED without credentials', async () => {
      const res = await t.graphql(PERMISSIONS_QUERY, { bucket: 'my-bucket' });
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('GraphQL simulatePolicy', () => {
    it('simulates for an allowed caller', async () => {
      const res = await t.graphql(
        SIMULATE_QUERY,
        { input: { ...RTC_ON_BUCKET, policies: [policy({ Sid: 'Rtc', ...allow('oss:PutBucketRtc') })] } },
        { 'x-api-key': callers.admin.secret },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.simulatePolicy).toEqual({
        decision: 'ALLOW',
        matchedStatements: [{ policy: '0', statement: 0, sid: 'Rtc', effect: 'ALLOW' }],
        missingContextKeys: [],
      });
    });

    it('answers FORBIDDEN with the deciding statement to a denied caller', async () => {
      const res = await t.graphql(
        SIMULATE_QUERY,
        { input: RTC_ON_BUCKET },
        { 'x-api-key': callers.blocked.secret },
      );
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        authorization: {
          decision: 'ExplicitDeny',
          action: 'gateway:SimulatePolicy',
          matchedStatements: [{ policy: 'NoSimulation', statement: 0, sid: 'NoSimulate', effect: 'Deny' }],
        },
      });
    });

    it('reports malformed policy documents with their paths', async () => {
      const res = await t.graphql(
        SIMULATE_QUERY,
        { input: { ...RTC_ON_BUCKET, policies: [{ Version: '2', Statement: [] }] } },
        { 'x-api-key': callers.admin.secret },
      );
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors[0].extensions.errors.map((e: { field: string }) => e.field)).toContain(
        'policies[0].Version',
      );
    });

    it('answers UNAUTHENTICATED without credentials', async () => {
      const res = await t.graphql(SIMULATE_QUERY, { input: RTC_ON_BUCKET });
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('audit, metrics and fail-closed', () => {
    it('records one decision event per authorization decision', async () => {
      const res = await t.request
        .post('/v1/authz/simulate')
        .set('x-api-key', callers.blocked.secret)
        .set('user-agent', 'auth-e2e/1.0')
        .send(RTC_ON_BUCKET)
        .expect(403);
      const requestId = res.headers['x-request-id'];
      const page = await t.app.get(AuditService).query({ requestId });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        kind: 'decision',
        transport: 'http',
        principal: 'blocked-service',
        keyId: 'blocked-service-key',
        userAgent: 'auth-e2e/1.0',
        action: 'gateway:SimulatePolicy',
        resource: '*',
        decision: 'ExplicitDeny',
        matchedStatements: [{ policy: 'NoSimulation', statement: 0, sid: 'NoSimulate', effect: 'Deny' }],
        dryRun: false,
      });
      expect(page.items[0].sourceIp).toMatch(/^(127\.0\.0\.1|::1)$/);
    });

    it('counts decisions by action and outcome', async () => {
      const res = await t.request.get('/metrics').expect(200);
      expect(res.text).toMatch(
        /gateway_authorization_decisions_total\{action="gateway:SimulatePolicy",decision="ExplicitDeny"\} [1-9]/,
      );
    });

    it('refuses mutations but still serves reads while the audit store is down', async () => {
      const audit = t.app.get(AuditService);
      const spy = vi.spyOn(audit, 'available', 'get').mockReturnValue(false);
      try {
        const res = await t.request
          .delete('/v1/buckets/src-bucket/replication/rules/any-rule')
          .set('x-api-key', callers.admin.secret)
          .expect(503);
        expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
        // Simulation changes nothing: it is a read even though its REST form is a POST.
        await t.request
          .post('/v1/authz/simulate')
          .set('x-api-key', callers.admin.secret)
          .send(RTC_ON_BUCKET)
          .expect(200);
        await t.request.get('/v1/me').set('x-api-key', callers.admin.secret).expect(200);
        const gql = await t.graphql(
          SIMULATE_QUERY,
          { input: RTC_ON_BUCKET },
          { 'x-api-key': callers.admin.secret },
        );
        expect(gql.body.data.simulatePolicy.decision).toBe('ALLOW');
      } finally {
        spy.mockRestore();
      }
    });
  });
});

describe('callers behind a trusted proxy and JWT callers', () => {
  let file: PrincipalsFile;
  let t: TestApp;
  const officeOnly = principalWithKey('office-service', {
    jwtSubjects: ['office-service'],
    policies: [
      policy(
        allow('gateway:SimulatePolicy', '*', {
          Condition: { IpAddress: { 'acs:SourceIp': '203.0.113.0/24' } },
        }),
      ),
    ],
  });
  let token: string;
  let unlistedToken: string;

  beforeAll(async () => {
    const key = await newSigningKey();
    token = await signToken(key, { subject: 'office-service' });
    unlistedToken = await signToken(key, {
      subject: 'alice@example.com',
      claims: { groups: ['simulators', 'no-such-group'] },
    });
    file = writePrincipalsFile({
      groups: { simulators: { policies: ['GatewayAdministratorAccess'] } },
      principals: [officeOnly.entry],
      jwt: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, publicKey: key.publicPem, groupsClaim: 'groups' },
    });
    t = await createTestApp({
      ...emulatorEnv(emu),
      ...ACCOUNT_ENV,
      GATEWAY_PRINCIPALS_FILE: file.file,
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1',
    });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
  });

  it('uses the client address a trusted proxy forwarded as acs:SourceIp', async () => {
    await t.request
      .post('/v1/authz/simulate')
      .set('x-api-key', officeOnly.secret)
      .set('x-forwarded-for', '203.0.113.9')
      .send(RTC_ON_BUCKET)
      .expect(200);
    const res = await t.request
      .post('/v1/authz/simulate')
      .set('x-api-key', officeOnly.secret)
      .set('x-forwarded-for', '198.51.100.7')
      .send(RTC_ON_BUCKET)
      .expect(403);
    expect(res.body.authorization.decision).toBe('ImplicitDeny');
  });

  it('maps a JWT subject to the listed principal that names it in jwtSubjects', async () => {
    const res = await t.request.get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ id: 'office-service', type: 'service', groups: [], authenticatedBy: 'jwt' });
  });

  it('gives an unlisted JWT user the policies of its known groups only', async () => {
    const me = await t.request.get('/v1/me').set('authorization', `Bearer ${unlistedToken}`).expect(200);
    expect(me.body).toEqual({
      id: 'alice@example.com',
      type: 'user',
      groups: ['simulators'],
      authenticatedBy: 'jwt',
    });
    await t.request
      .post('/v1/authz/simulate')
      .set('authorization', `Bearer ${unlistedToken}`)
      .send(RTC_ON_BUCKET)
      .expect(200);
  });

  it('answers 401 to a JWT with a tampered signature', async () => {
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${'A'.repeat(86)}`;
    const res = await t.request.get('/v1/me').set('authorization', `Bearer ${forged}`).expect(401);
    expect(res.body.detail).toMatch(/signature/);
  });
});
