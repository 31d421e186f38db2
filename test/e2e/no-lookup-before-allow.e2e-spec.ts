import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import {
  allow,
  policy,
  principalWithKey,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * No upstream call before a possible Allow (DESIGN §9): a caller whose policies could allow the action
 * on no resource is denied without the bucket being looked up; a missing bucket is looked up once per
 * 30 s, not once per request; every lookup the gateway makes is audited as an `oss-call`.
 */

const ACCOUNT = '1234567890123456';
const SOURCE = 'lookup-src';
const SIX_ACTIONS = 6;

describe('no upstream call before a possible Allow', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  const ossLog: string[] = [];
  // Allowed one action on one bucket: it could be allowed GetBucketReplication (on SOURCE).
  const reader = principalWithKey('lookup-reader', {
    policies: [policy(allow('oss:GetBucketReplication', `acs:oss:*:*:${SOURCE}`))],
  });
  // Allowed only a gateway action: no replication action could ever be allowed to it.
  const auditor = principalWithKey('lookup-auditor', {
    policies: [policy(allow('gateway:ListAuditEvents'))],
  });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: (line) => ossLog.push(line) });
    emulator.admin.createBucket(SOURCE, 'cn-hangzhou');
    principals = writePrincipalsFile({ principals: [reader.entry, auditor.entry] });
    t = await createTestApp({
      ...emulatorEnv(emulator),
      OSS_ACCOUNT_ID: ACCOUNT,
      GATEWAY_PRINCIPALS_FILE: principals.file,
    });
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  /** The GetBucketLocation calls the emulator served while `run` was in flight. */
  async function lookupsDuring<T>(run: () => Promise<T>): Promise<{ result: T; lookups: number }> {
    const before = ossLog.length;
    const result = await run();
    const operations = ossLog.slice(before).map((line) => line.split(' ')[2]);
    return { result, lookups: operations.filter((op) => op === 'GetBucketLocation').length };
  }

  async function lookupEvents(principal: string): Promise<AuditEvent[]> {
    const audit = t.app.get(AuditService);
    await audit.flush();
    const page = await audit.query({ principal, kind: 'oss-call' }, 100);
    return page.items.filter((e) => e.operation === 'GetBucketLocation');
  }

  it('answers me.permissions ×24 aliases (within the GraphQL limits) all-deny without one lookup, whether the bucket exists or not', async () => {
    const fields = Array.from(
      { length: 24 },
      (_, i) =>
        `p${i}: permissions(bucket: "${i === 0 ? SOURCE : `x-missing-${i}`}") { bucket resource actions { action decision } }`,
    );
    const { result: res, lookups } = await lookupsDuring(() =>
      t.graphql(`{ me { ${fields.join(' ')} } }`, {}, { 'x-api-key': auditor.secret }).expect(200),
    );
    expect(res.body.errors).toBeUndefined();
    expect(lookups).toBe(0);
    const answers = Object.values(
      res.body.data.me as Record<
        string,
        { bucket: string; resource: string; actions: Array<{ action: string; decision: string }> }
      >,
    );
    expect(answers).toHaveLength(24);
    for (const answer of answers) {
      expect(answer.resource).toBe(`acs:oss:*:${ACCOUNT}:${answer.bucket}`);
      const replication = answer.actions.filter((a) => a.action.startsWith('oss:'));
      expect(replication).toHaveLength(SIX_ACTIONS);
      expect(new Set(replication.map((a) => a.decision))).toEqual(new Set(['IMPLICIT_DENY']));
      expect(answer.actions).toContainEqual({ action: 'gateway:ListAuditEvents', decision: 'ALLOW' });
    }

    const rest = await lookupsDuring(() =>
      t.request.get('/v1/me/permissions?bucket=x-missing-rest').set('x-api-key', auditor.secret).expect(200),
    );
    expect(rest.lookups).toBe(0);
    expect(rest.result.body.resource).toBe(`acs:oss:*:${ACCOUNT}:x-missing-rest`);
    expect(rest.result.body.actions).toMatchObject({
      'oss:GetBucketReplication': 'ImplicitDeny',
      'gateway:ListAuditEvents': 'Allow',
    });
    expect(await lookupEvents('lookup-auditor')).toEqual([]);
  });

  it('denies REST with the usual 403, audited as a decision on the region-* ARN, without a lookup', async () => {
    for (const bucket of [SOURCE, 'x-missing-rest']) {
      const { result: res, lookups } = await lookupsDuring(() =>
        t.request.get(`/v1/buckets/${bucket}/replication/rules`).set('x-api-key', auditor.secret).expect(403),
      );
      expect(lookups).toBe(0);
      expect(res.body).toMatchObject({
        code: 'FORBIDDEN',
        authorization: {
          decision: 'ImplicitDeny',
          action: 'oss:GetBucketReplication',
          resource: `acs:oss:*:${ACCOUNT}:${bucket}`,
        },
      });
      const audit = t.app.get(AuditService);
      await audit.flush();
      const page = await audit.query({ requestId: res.headers['x-request-id'] });
      expect(page.items.map((e) => [e.kind, e.decision, e.resource])).toEqual([
        ['decision', 'ImplicitDeny', `acs:oss:*:${ACCOUNT}:${bucket}`],
      ]);
    }
    expect(await lookupEvents('lookup-auditor')).toEqual([]);
  });

  it('looks a missing bucket up once, not once per request, and audits that lookup', async () => {
    const { result: answers, lookups } = await lookupsDuring(async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (await t.request.get('/v1/buckets/ghost-1/replication/rules').set('x-api-key', reader.secret))
            .status,
        );
        statuses.push(
          (await t.request.get('/v1/me/permissions?bucket=ghost-1').set('x-api-key', reader.secret)).status,
        );
      }
      return statuses;
    });
    // The caller's Allow names another bucket: denied on the missing one; asked about it, 404.
    expect(answers).toEqual([403, 404, 403, 404, 403, 404, 403, 404, 403, 404]);
    expect(lookups).toBe(1);
    const events = (await lookupEvents('lookup-reader')).filter((e) => e.resource.endsWith(':ghost-1'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'oss-call',
      operation: 'GetBucketLocation',
      action: 'oss:GetBucketReplication',
      resource: `acs:oss:*:${ACCOUNT}:ghost-1`,
      outcomeStatus: 404,
      ossErrorCode: 'NoSuchBucket',
      principal: 'lookup-reader',
      keyId: 'lookup-reader-key',
    });
  });

  it('audits a lookup that found the bucket, as the OSS call it was, once (then the region is cached)', async () => {
    const { result: responses, lookups } = await lookupsDuring(async () => [
      await t.request
        .get(`/v1/buckets/${SOURCE}/replication/rules`)
        .set('x-api-key', reader.secret)
        .expect(200),
      await t.request
        .get(`/v1/buckets/${SOURCE}/replication/rules`)
        .set('x-api-key', reader.secret)
        .expect(200),
    ]);
    expect(lookups).toBe(1);
    const events = (await lookupEvents('lookup-reader')).filter((e) => e.resource.endsWith(`:${SOURCE}`));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      requestId: responses[0].headers['x-request-id'],
      transport: 'http',
      operation: 'GetBucketLocation',
      action: 'oss:GetBucketReplication',
      resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${SOURCE}`,
      outcomeStatus: 200,
      dryRun: false,
    });
    expect(events[0].ossRequestId).toBeTruthy();
  });
});
