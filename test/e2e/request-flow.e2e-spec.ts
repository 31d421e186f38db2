import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * The order of the request flow (DESIGN §5): authenticate → validate input → authorize → forward,
 * and what is audited when the bucket's region cannot be discovered.
 */

const INVALID_RULE = { prefixes: 'logs/', destination: { bucket: 'Not_A_Bucket', location: 'cn-beijing' } };
const VALID_RULE = { destination: { bucket: 'flow-dst', location: 'oss-cn-beijing' } };
const CREATE = `mutation ($input: CreateReplicationRuleInput!) {
  createReplicationRule(bucket: "flow-src", input: $input) { id }
}`;

describe('request flow: authenticate → validate → authorize', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  const viewer = principalWithKey('flow-viewer', { policies: ['AliyunOSSReadOnlyAccess'] });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: () => undefined });
    emulator.admin.createBucket('flow-src', 'cn-hangzhou');
    emulator.admin.createBucket('flow-dst', 'cn-beijing');
    principals = writePrincipalsFile({ principals: [viewer.entry] });
    t = await createTestApp({ ...emulatorEnv(emulator), GATEWAY_PRINCIPALS_FILE: principals.file });
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  it('returns a minted request id on every answer: success, 401, 404 route, 400, and in place of a caller id (not from a trusted proxy)', async () => {
    const minted = [
      await t.request
        .get('/v1/buckets/flow-src/replication/rules')
        .set('x-api-key', viewer.secret)
        .set('x-request-id', 'flow-echo-1')
        .expect(200),
      await t.request.get('/v1/buckets/flow-src/replication/rules').expect(401),
      await t.request.get('/v1/no-such-route').set('x-api-key', viewer.secret).expect(404),
      await t.request
        .get('/v1/buckets/Bad_Bucket/replication/rules')
        .set('x-api-key', viewer.secret)
        .expect(400),
      await t.request
        .get('/v1/buckets/flow-src/replication/rules')
        .set('x-request-id', 'bad id!')
        .expect(401),
    ];
    for (const res of minted) {
      expect(res.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('answers 401 before looking at the input of an unauthenticated caller', async () => {
    const res = await t.request.post('/v1/buckets/flow-src/replication/rules').send(INVALID_RULE).expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers 400 naming each field to a caller who would also be denied (REST)', async () => {
    const res = await t.request
      .post('/v1/buckets/flow-src/replication/rules')
      .set('x-api-key', viewer.secret)
      .send(INVALID_RULE)
      .expect(400);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['prefixes', 'destination.bucket', 'destination.location']),
    );
  });

  it('answers the same 400 on GraphQL', async () => {
    const res = await t.graphql(CREATE, { input: INVALID_RULE }, { 'x-api-key': viewer.secret }).expect(200);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const fields = (res.body.errors[0].extensions.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['destination.bucket', 'destination.location']));
  });

  it('authorizes valid input: the same caller is then denied with the explanation', async () => {
    const res = await t.request
      .post('/v1/buckets/flow-src/replication/rules')
      .set('x-api-key', viewer.secret)
      .send(VALID_RULE)
      .expect(403);
    expect(res.body.authorization).toMatchObject({
      decision: 'ImplicitDeny',
      action: 'oss:PutBucketReplication',
    });
    expect(emulator.admin.getRules('flow-src')).toHaveLength(0);
  });
});

describe('a bucket whose region cannot be discovered', () => {
  let principals: PrincipalsFile;
  let t: TestApp;
  const admin = principalWithKey('flow-admin', { policies: ['AliyunOSSFullAccess'] });

  beforeAll(async () => {
    principals = writePrincipalsFile({ principals: [admin.entry] });
    // Nothing listens on port 9: every OSS call fails at the network level.
    t = await createTestApp({
      OSS_ENDPOINT: 'http://127.0.0.1:9',
      OSS_ACCESS_KEY_ID: 'AKIDFLOW',
      OSS_ACCESS_KEY_SECRET: 'flow-secret-not-used',
      OSS_MAX_ATTEMPTS: '1',
      GATEWAY_PRINCIPALS_FILE: principals.file,
    });
  });
  afterAll(async () => {
    await t?.close();
    principals?.cleanup();
  });

  it('fails closed with 502 and audits the failed GetBucketLocation with the caller and the action', async () => {
    const res = await t.request
      .get('/v1/buckets/flow-src/replication/rules')
      .set('x-api-key', admin.secret)
      .expect(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
    const page = await t.app.get(AuditService).query({ principal: 'flow-admin' });
    const event = page.items.find((e) => e.requestId === res.headers['x-request-id']);
    expect(event).toMatchObject({
      kind: 'oss-call',
      operation: 'GetBucketLocation',
      action: 'oss:GetBucketReplication',
      resource: 'acs:oss:*:*:flow-src',
      outcomeStatus: 502,
    });
    expect(event?.ossErrorCode).toBeTruthy();
  });
});
