import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { ReplicationController } from '../../src/replication/replication.controller.js';
import { ReplicationResolver } from '../../src/replication/replication.resolver.js';
import {
  allow,
  deny,
  policy,
  principalWithKey,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/*
 * The replication API end to end: the whole app (auth, guard, validation, service, OSS client,
 * audit) over real HTTP against the OSS emulator on a real socket. Every REST route and GraphQL
 * operation of DESIGN §2 on both transports, happy and error paths.
 */

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function callers() {
  const admin = principalWithKey('replication-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const lister = principalWithKey('rule-lister', { policies: ['ListOnly'] });
  const beijingOnly = principalWithKey('beijing-creator', { policies: ['CreateToBeijingOnly'] });
  const noRtc = principalWithKey('no-rtc', { policies: ['AliyunOSSFullAccess', 'NoRtc'] });
  const document = {
    policies: {
      ListOnly: policy(allow(['oss:GetBucketReplication', 'oss:GetBucketReplicationLocation'])),
      CreateToBeijingOnly: policy(
        allow('oss:GetBucketReplication'),
        allow('oss:PutBucketReplication', '*', {
          Condition: { StringEquals: { 'oss:ReplicationDestinationLocation': 'oss-cn-beijing' } },
        }),
      ),
      NoRtc: policy({ Sid: 'NoRtc', ...deny('oss:PutBucketRtc') }),
    },
    principals: [admin.entry, lister.entry, beijingOnly.entry, noRtc.entry],
  };
  return { document, admin, lister, beijingOnly, noRtc };
}

const RULE_FIELDS = `id status prefixes action historicalObjectReplication syncRole sseKmsEncryptedObjects replicaKmsKeyId
  destination { bucket location transferType } rtc { enabled status }`;

describe(`${ReplicationController.name} and ${ReplicationResolver.name} (e2e against the OSS emulator)`, () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  let who: ReturnType<typeof callers>;
  let emulatorNow = Date.parse('2026-01-01T00:00:00Z');
  let bucketCounter = 0;

  const key = (c: { secret: string }) => ({ 'x-api-key': c.secret });
  const asAdmin = () => key(who.admin);
  const rulesUrl = (bucket: string) => `/v1/buckets/${bucket}/replication/rules`;

  /** A fresh source bucket in cn-hangzhou and destination buckets per region, so tests do not share rules. */
  function buckets(...destinationRegions: string[]): { source: string; destinations: string[] } {
    bucketCounter += 1;
    const source = `e2e-src-${bucketCounter}`;
    emulator.admin.createBucket(source, 'cn-hangzhou');
    for (let i = 0; i < 3; i += 1) {
      emulator.admin.putObject(source, `logs/${i}.txt`, `line ${i}`);
    }
    const destinations = destinationRegions.map((region, i) => {
      const name = `e2e-dst-${bucketCounter}-${i}`;
      emulator.admin.createBucket(name, region);
      return name;
    });
    return { source, destinations };
  }

  /** Lets the emulator's clock pass the `starting`/`closing` windows and runs its replication. */
  function advanceEmulator(ms: number): void {
    emulatorNow += ms;
    emulator.admin.flushReplication();
  }

  async function addFault(fault: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
    expect(res.status).toBe(201);
  }

  async function clearFaults(): Promise<void> {
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
  }

  /** The oss-call audit events of one request (recorded asynchronously; polled briefly). */
  async function ossCallEvents(app: TestApp, requestId: string, count: number): Promise<AuditEvent[]> {
    const audit = app.app.get(AuditService);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      await audit.flush();
      const page = await audit.query({ requestId, kind: 'oss-call' }, 100);
      if (page.items.length >= count) {
        return page.items;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`expected ${count} oss-call events for request ${requestId}`);
  }

  async function appWith(overrides: Record<string, string>): Promise<TestApp> {
    const [demo] = emulator.accessKeys;
    return createTestApp({
      OSS_ENDPOINT: emulator.url,
      OSS_ACCESS_KEY_ID: demo.accessKeyId,
      OSS_ACCESS_KEY_SECRET: demo.accessKeySecret,
      OSS_REGION: 'cn-hangzhou',
      OSS_ACCOUNT_ID: '1234567890123456',
      GATEWAY_PRINCIPALS_FILE: principals.file,
      ...overrides,
    });
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      faults: true,
      clockSkewSeconds: 'off',
      clock: () => new Date(emulatorNow),
      replication: { tickMs: 0, startingMs: 60_000, closingMs: 60_000, rtcEnablingMs: 60_000 },
    });
    who = callers();
    principals = writePrincipalsFile(who.document);
    t = await appWith({});
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  describe('REST', () => {
    it('lists no rules for a bucket without replication configuration', async () => {
      const { source } = buckets();
      const res = await t.request.get(rulesUrl(source)).set(asAdmin()).expect(200);
      expect(res.body).toEqual({ rules: [] });
    });

    it('creates a rule: 201, Location, the rule as OSS reports it, one audited PutBucketReplication', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          id: 'logs-to-beijing',
          prefixes: ['logs/'],
          destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
        })
        .expect(201);
      expect(res.headers.location).toBe(`/v1/buckets/${source}/replication/rules/logs-to-beijing`);
      expect(res.body).toEqual({
        id: 'logs-to-beijing',
        status: 'starting',
        prefixes: ['logs/'],
        action: 'ALL',
        destination: { bucket: destinations[0], location: 'oss-cn-beijing', transferType: 'internal' },
        historicalObjectReplication: true,
        rtc: { enabled: false },
      });
      expect(emulator.admin.getRules(source).map((r) => r.id)).toEqual(['logs-to-beijing']);

      const events = await ossCallEvents(t, res.headers['x-request-id'], 4);
      const put = events.find((e) => e.operation === 'PutBucketReplication');
      expect(put).toMatchObject({
        kind: 'oss-call',
        action: 'oss:PutBucketReplication',
        resource: `acs:oss:cn-hangzhou:1234567890123456:${source}`,
        principal: 'replication-admin',
        outcomeStatus: 200,
        dryRun: false,
      });
      expect(put!.ossRequestId).toMatch(/.+/);
      expect(put!.sourceIp).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    });

    it('generates the id when absent and returns it in the body and Location', async () => {
      const { source, destinations } = buckets('cn-shanghai');
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-shanghai' } })
        .expect(201);
      expect(res.body.id).toMatch(UUID);
      expect(res.headers.location).toBe(`/v1/buckets/${source}/replication/rules/${res.body.id}`);
    });

    it('answers a retried create with the existing rule (201, Idempotent-Replayed) and creates nothing new', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const body = {
        id: 'retry-me',
        prefixes: ['a/', 'b/'],
        destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
      };
      const first = await t.request.post(rulesUrl(source)).set(asAdmin()).send(body).expect(201);
      const again = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ ...body, prefixes: ['b/', 'a/'] })
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.body.id).toBe('retry-me');
      expect(emulator.admin.getRules(source)).toHaveLength(1);
    });

    it('refuses the same id with a different body with 409 CONFLICT', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const body = { id: 'same-id', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } };
      await t.request.post(rulesUrl(source)).set(asAdmin()).send(body).expect(201);
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ ...body, action: 'PUT' })
        .expect(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'CONFLICT', reason: 'ReplicationConflict', status: 409 });
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'id', code: 'RuleIdInUse' })]);
    });

    it('gets one rule, and 404 NOT_FOUND for an unknown id', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'one', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
      const res = await t.request
        .get(`${rulesUrl(source)}/one`)
        .set(asAdmin())
        .expect(200);
      expect(res.body).toMatchObject({ id: 'one', destination: { bucket: destinations[0] } });
      const missing = await t.request
        .get(`${rulesUrl(source)}/nope`)
        .set(asAdmin())
        .expect(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND', reason: 'ReplicationRuleNotFound' });
    });

    it('rejects invalid input with 400 and one entry per field, before anything reaches OSS', async () => {
      const { source } = buckets();
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          id: 'bad id with spaces',
          prefixes: ['x/', 'x/'],
          action: 'DELETE',
          destination: { bucket: 'Not_A_Bucket', location: 'cn-beijing', transferType: 'fast' },
          sseKmsEncryptedObjects: true,
          unexpected: 1,
        })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ValidationFailed' });
      const fields = new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field));
      for (const field of [
        'id',
        'prefixes',
        'action',
        'destination.bucket',
        'destination.location',
        'destination.transferType',
        'syncRole',
        'replicaKmsKeyId',
        'unexpected',
      ]) {
        expect(fields, field).toContain(field);
      }
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('rejects more than 10 prefixes, over-long prefixes and a KMS key without SSE-KMS', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          prefixes: Array.from({ length: 11 }, (_, i) => `p${i}/`).concat('y'.repeat(1024)),
          destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
          replicaKmsKeyId: 'key-1',
        })
        .expect(400);
      const problems = res.body.errors as Array<{ field: string; message: string }>;
      // One message per field: the array's first broken rule, and the over-long element by its index.
      expect(problems.filter((p) => p.field.startsWith('prefixes'))).toEqual([
        { field: 'prefixes', message: 'prefixes must contain no more than 10 elements' },
        { field: 'prefixes[11]', message: expect.stringContaining('shorter than or equal to 1023') },
      ]);
      expect(problems).toContainEqual(
        expect.objectContaining({
          field: 'replicaKmsKeyId',
          message: expect.stringContaining('sseKmsEncryptedObjects'),
        }),
      );
    });

    it('rejects a bad bucket name in the path and an unknown query parameter', async () => {
      const bad = await t.request.get('/v1/buckets/Bad_Bucket/replication/rules').set(asAdmin()).expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'bucket' })]);
      const { source, destinations } = buckets('cn-beijing');
      const query = await t.request
        .post(`${rulesUrl(source)}?dryRun=maybe`)
        .set(asAdmin())
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(400);
      expect(query.body.errors).toEqual([expect.objectContaining({ field: 'dryRun' })]);
    });

    it('returns every pre-flight finding at once (400 PreflightFailed) and writes nothing', async () => {
      const { source, destinations } = buckets('cn-hongkong');
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          destination: { bucket: destinations[0], location: 'oss-cn-hongkong', transferType: 'internal' },
          rtc: { enabled: true },
        })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PreflightFailed' });
      expect((res.body.errors as Array<{ code: string }>).map((e) => e.code).sort()).toEqual([
        'RtcNotSupported',
        'TransferTypeNotAllowed',
      ]);
      const other = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ destination: { bucket: source, location: 'oss-eu-central-1' } })
        .expect(400);
      expect(
        (other.body.errors as Array<{ field: string; code: string }>).map((e) => [e.field, e.code]),
      ).toEqual([
        ['destination.bucket', 'SameBucketDestination'],
        ['destination.location', 'DestinationLocationNotAllowed'],
      ]);
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('allows same-region replication (not listed by OSS) but not RTC on it', async () => {
      const { source, destinations } = buckets('cn-hangzhou');
      const rtc = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          destination: { bucket: destinations[0], location: 'oss-cn-hangzhou' },
          rtc: { enabled: true },
        })
        .expect(400);
      expect(rtc.body.errors).toEqual([
        expect.objectContaining({ field: 'rtc.enabled', code: 'RtcNotSupported' }),
      ]);
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-hangzhou' } })
        .expect(201);
    });

    it('answers 409 when every finding is a conflict (duplicate source→destination pair)', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const destination = { bucket: destinations[0], location: 'oss-cn-beijing' };
      await t.request.post(rulesUrl(source)).set(asAdmin()).send({ id: 'first', destination }).expect(201);
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'second', destination })
        .expect(409);
      expect(res.body).toMatchObject({ code: 'CONFLICT', reason: 'ReplicationConflict' });
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'destination.bucket', code: 'DuplicateDestination' }),
      ]);
    });

    it('dry-runs a create: 200, the rule and the plan, an audit event marked dry-run, no OSS write', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await t.request
        .post(`${rulesUrl(source)}?dryRun=true`)
        .set(asAdmin())
        .send({
          id: 'dry',
          destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
          rtc: { enabled: true },
        })
        .expect(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toMatchObject({
        id: 'dry',
        status: 'starting',
        rtc: { enabled: true, status: 'enabling' },
        plan: {
          operation: 'PutBucketReplication',
          method: 'POST',
          bucket: source,
          resource: '/?replication&comp=add',
          contentType: 'application/xml',
          dryRun: true,
        },
      });
      expect(res.body.plan.body).toContain('<ReplicationConfiguration><Rule><ID>dry</ID>');
      expect(res.body.plan.body).toContain('<RTC><Status>enabled</Status></RTC>');
      expect(emulator.admin.getRules(source)).toEqual([]);

      const events = await ossCallEvents(t, res.headers['x-request-id'], 3);
      expect(events.find((e) => e.operation === 'PutBucketReplication')).toMatchObject({ dryRun: true });
      expect(events.every((e) => e.dryRun)).toBe(true);
      expect(
        events.filter((e) => e.operation === 'PutBucketReplication' && e.outcomeStatus !== undefined),
      ).toEqual([]);
    });

    it('sets RTC and answers the rule re-read from OSS; a dry run plans it without writing', async () => {
      const { source, destinations } = buckets('cn-shanghai');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'rtc-rule', destination: { bucket: destinations[0], location: 'oss-cn-shanghai' } })
        .expect(201);
      const dry = await t.request
        .put(`${rulesUrl(source)}/rtc-rule/rtc?dryRun=true`)
        .set(asAdmin())
        .send({ enabled: true })
        .expect(200);
      expect(dry.body.plan).toMatchObject({ operation: 'PutBucketRtc', method: 'PUT', resource: '/?rtc' });
      expect(dry.body.plan.body).toBe(
        XML_DECLARATION +
          '<ReplicationRule><RTC><Status>enabled</Status></RTC><ID>rtc-rule</ID></ReplicationRule>',
      );
      expect(emulator.admin.getRules(source)[0].rtc).toBeUndefined();

      const res = await t.request
        .put(`${rulesUrl(source)}/rtc-rule/rtc`)
        .set(asAdmin())
        .send({ enabled: true })
        .expect(200);
      expect(res.body).toMatchObject({ id: 'rtc-rule', rtc: { enabled: true, status: 'enabling' } });
      expect(res.body).not.toHaveProperty('plan');

      const off = await t.request
        .put(`${rulesUrl(source)}/rtc-rule/rtc`)
        .set(asAdmin())
        .send({ enabled: false })
        .expect(200);
      expect(off.body.rtc).toEqual({ enabled: false, status: 'disabled' });
    });

    it('refuses to enable RTC where the destination region has none (pre-flight) and validates the body', async () => {
      const { source, destinations } = buckets('cn-hongkong');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({
          id: 'hk',
          destination: { bucket: destinations[0], location: 'oss-cn-hongkong', transferType: 'oss_acc' },
        })
        .expect(201);
      const res = await t.request
        .put(`${rulesUrl(source)}/hk/rtc`)
        .set(asAdmin())
        .send({ enabled: true })
        .expect(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'enabled', code: 'RtcNotSupported' }),
      ]);
      const invalid = await t.request
        .put(`${rulesUrl(source)}/hk/rtc`)
        .set(asAdmin())
        .send({ enabled: 'yes' })
        .expect(400);
      expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'enabled' })]);
      await t.request
        .put(`${rulesUrl(source)}/missing/rtc`)
        .set(asAdmin())
        .send({ enabled: false })
        .expect(404);
    });

    it('deletes with 202 and the rule in closing; a dry run plans it; unknown ids are 404', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'doomed', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
      const dry = await t.request
        .delete(`${rulesUrl(source)}/doomed?dryRun=true`)
        .set(asAdmin())
        .expect(200);
      expect(dry.body).toMatchObject({
        id: 'doomed',
        status: 'closing',
        plan: { operation: 'DeleteBucketReplication' },
      });
      expect(dry.body.plan.body).toBe(
        XML_DECLARATION + '<ReplicationRules><ID>doomed</ID></ReplicationRules>',
      );
      expect(emulator.admin.getRules(source)[0].status).toBe('starting');

      const res = await t.request
        .delete(`${rulesUrl(source)}/doomed`)
        .set(asAdmin())
        .expect(202);
      expect(res.body).toMatchObject({ id: 'doomed', status: 'closing' });
      const after = await t.request
        .get(`${rulesUrl(source)}/doomed`)
        .set(asAdmin())
        .expect(200);
      expect(after.body.status).toBe('closing');
      advanceEmulator(61_000);
      await t.request
        .get(`${rulesUrl(source)}/doomed`)
        .set(asAdmin())
        .expect(404);
      await t.request
        .delete(`${rulesUrl(source)}/doomed`)
        .set(asAdmin())
        .expect(404);
    });

    it('reports progress of a rule once it replicates, and 404 for an unknown rule', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'moving', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
      advanceEmulator(61_000);
      const res = await t.request
        .get(`${rulesUrl(source)}/moving/progress`)
        .set(asAdmin())
        .expect(200);
      expect(res.body).toMatchObject({
        ruleId: 'moving',
        status: 'doing',
        destination: { bucket: destinations[0], location: 'oss-cn-beijing', transferType: 'internal' },
        historicalObjectReplication: true,
        historicalObjectProgress: 1,
      });
      expect(new Date(res.body.newObjectsReplicatedUntil).toISOString()).toBe(
        res.body.newObjectsReplicatedUntil,
      );
      expect(emulator.admin.listObjects(destinations[0])).toHaveLength(3);
      const missing = await t.request
        .get(`${rulesUrl(source)}/nope/progress`)
        .set(asAdmin())
        .expect(404);
      expect(missing.body).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'ReplicationRuleNotFound',
        oss: { code: expect.any(String) },
      });
    });

    it('lists the replication locations with transfer types and RTC support', async () => {
      const { source } = buckets();
      const res = await t.request
        .get(`/v1/buckets/${source}/replication/locations`)
        .set(asAdmin())
        .expect(200);
      const byLocation = new Map(
        (res.body.locations as Array<{ location: string }>).map((l) => [l.location, l]),
      );
      expect(byLocation.get('oss-cn-beijing')).toEqual({
        location: 'oss-cn-beijing',
        transferTypes: ['internal', 'oss_acc'],
        rtcSupported: true,
      });
      expect(byLocation.get('oss-cn-hongkong')).toEqual({
        location: 'oss-cn-hongkong',
        transferTypes: ['oss_acc'],
        rtcSupported: false,
      });
      expect(byLocation.has('oss-cn-hangzhou')).toBe(false);
    });
  });

  describe('OSS errors', () => {
    it('maps NoSuchBucket to 404 with the OSS code, request id and EC', async () => {
      const res = await t.request.get(rulesUrl('e2e-no-such-bucket')).set(asAdmin()).expect(404);
      expect(res.body).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'BucketNotFound',
        oss: {
          code: 'NoSuchBucket',
          status: 404,
          requestId: expect.stringMatching(/.+/),
          ec: expect.stringMatching(/.+/),
        },
      });
    });

    it('maps an input OSS rejects (buckets with different versioning) to 400 UpstreamRejectedInput', async () => {
      const { source } = buckets();
      emulator.admin.createBucket(`${source}-versioned`, 'cn-beijing', { versioning: true });
      const res = await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ destination: { bucket: `${source}-versioned`, location: 'oss-cn-beijing' } })
        .expect(400);
      expect(res.body).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'UpstreamRejectedInput',
        oss: { code: expect.any(String) },
      });
    });

    it('maps an OSS replication conflict to 409 with the OSS code', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await addFault({
        operation: 'PutBucketReplication',
        status: 400,
        code: 'BucketReplicationAlreadyExist',
        count: 1,
      });
      try {
        const res = await t.request
          .post(rulesUrl(source))
          .set(asAdmin())
          .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
          .expect(409);
        expect(res.body).toMatchObject({
          code: 'CONFLICT',
          oss: { code: 'BucketReplicationAlreadyExist', status: 400 },
        });
      } finally {
        await clearFaults();
      }
    });

    it('never confuses OSS refusing the gateway (502 UPSTREAM_ERROR, oss.code AccessDenied) with a caller denial (403)', async () => {
      const { source } = buckets();
      await addFault({ operation: 'GetBucketReplication', status: 403, code: 'AccessDenied', count: 1 });
      try {
        const upstream = await t.request.get(rulesUrl(source)).set(asAdmin()).expect(502);
        expect(upstream.body).toMatchObject({
          code: 'UPSTREAM_ERROR',
          reason: 'UpstreamError',
          oss: { code: 'AccessDenied' },
        });
        expect(upstream.body).not.toHaveProperty('authorization');
      } finally {
        await clearFaults();
      }
      const denied = await t.request
        .delete(`${rulesUrl(source)}/x`)
        .set(key(who.lister))
        .expect(403);
      expect(denied.body).toMatchObject({
        code: 'FORBIDDEN',
        authorization: { action: 'oss:DeleteBucketReplication' },
      });
      expect(denied.body).not.toHaveProperty('oss');
    });

    it('answers 502 UPSTREAM_ERROR when OSS refuses the gateway’s own (wrong) secret, without echoing it', async () => {
      const secret = 'WrongSecretForTheE2eTest0000000000000';
      const wrong = await appWith({ OSS_ACCESS_KEY_SECRET: secret });
      try {
        const { source } = buckets();
        const res = await wrong.request.get(rulesUrl(source)).set(asAdmin()).expect(502);
        expect(res.body).toMatchObject({
          code: 'UPSTREAM_ERROR',
          oss: { code: 'SignatureDoesNotMatch', status: 403 },
        });
        expect(JSON.stringify(res.body)).not.toContain(secret);
        const gql = await wrong.graphql(
          `query($b: String!) { replicationRules(bucket: $b) { id } }`,
          { b: source },
          asAdmin(),
        );
        expect(gql.body.errors[0].extensions).toMatchObject({
          code: 'UPSTREAM_ERROR',
          oss: { code: 'SignatureDoesNotMatch' },
        });
      } finally {
        await wrong.close();
      }
    });

    it('answers 504 UPSTREAM_TIMEOUT when OSS does not answer in time', async () => {
      const slow = await appWith({ OSS_REQUEST_TIMEOUT_MS: '300', OSS_MAX_ATTEMPTS: '1' });
      const { source } = buckets();
      await addFault({ operation: 'GetBucketReplicationLocation', latencyMs: 2_000, count: 1 });
      try {
        const res = await slow.request
          .get(`/v1/buckets/${source}/replication/locations`)
          .set(asAdmin())
          .expect(504);
        expect(res.body).toMatchObject({
          code: 'UPSTREAM_TIMEOUT',
          reason: 'UpstreamTimeout',
          oss: { code: 'Timeout' },
        });
      } finally {
        await clearFaults();
        await slow.close();
      }
    });
  });

  describe('authentication and authorization', () => {
    it('answers 401 with WWW-Authenticate to a caller without credentials, on every route', async () => {
      const { source } = buckets();
      const routes: Array<[string, string]> = [
        ['get', rulesUrl(source)],
        ['get', `${rulesUrl(source)}/r`],
        ['post', rulesUrl(source)],
        ['put', `${rulesUrl(source)}/r/rtc`],
        ['delete', `${rulesUrl(source)}/r`],
        ['get', `${rulesUrl(source)}/r/progress`],
        ['get', `/v1/buckets/${source}/replication/locations`],
      ];
      for (const [method, url] of routes) {
        const res = await (t.request as unknown as Record<string, (u: string) => import('supertest').Test>)
          [method](url)
          .expect(401);
        expect(res.headers['www-authenticate'], `${method} ${url}`).toBeDefined();
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }
      const gql = await t.graphql(`{ replicationRules(bucket: "${source}") { id } }`);
      expect(gql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('answers 403 with the explanation to a caller whose policies do not allow the action', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await t.request
        .post(rulesUrl(source))
        .set(key(who.lister))
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(403);
      expect(res.body).toMatchObject({
        code: 'FORBIDDEN',
        authorization: {
          decision: 'ImplicitDeny',
          action: 'oss:PutBucketReplication',
          // No statement could allow the action on any bucket: denied without looking the bucket up.
          resource: `acs:oss:*:1234567890123456:${source}`,
          matchedStatements: [],
        },
      });
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('names the deciding statement of an explicit deny', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'r', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
      const res = await t.request
        .put(`${rulesUrl(source)}/r/rtc`)
        .set(key(who.noRtc))
        .send({ enabled: true })
        .expect(403);
      expect(res.body.authorization).toMatchObject({
        decision: 'ExplicitDeny',
        action: 'oss:PutBucketRtc',
        matchedStatements: [expect.objectContaining({ policy: 'NoRtc', effect: 'Deny', sid: 'NoRtc' })],
      });
    });

    it('fills oss:ReplicationDestinationLocation so policies can restrict where rules point', async () => {
      const { source, destinations } = buckets('cn-beijing', 'cn-shanghai');
      const toShanghai = await t.request
        .post(`${rulesUrl(source)}?dryRun=true`)
        .set(key(who.beijingOnly))
        .send({ destination: { bucket: destinations[1], location: 'oss-cn-shanghai' } })
        .expect(403);
      expect(toShanghai.body.authorization.action).toBe('oss:PutBucketReplication');
      await t.request
        .post(rulesUrl(source))
        .set(key(who.beijingOnly))
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
    });
  });

  describe('GraphQL', () => {
    const gql = (query: string, variables: Record<string, unknown> = {}, caller = who.admin) =>
      t.graphql(query, variables, key(caller));

    it('creates, reads, sets RTC on and deletes a rule', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const created = await gql(
        `mutation($b: String!, $in: CreateReplicationRuleInput!) { createReplicationRule(bucket: $b, input: $in) { ${RULE_FIELDS} plan { operation } } }`,
        {
          b: source,
          in: {
            id: 'gql-rule',
            prefixes: ['logs/'],
            action: 'PUT',
            destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
          },
        },
      ).expect(200);
      expect(created.body.errors).toBeUndefined();
      expect(created.body.data.createReplicationRule).toEqual({
        id: 'gql-rule',
        status: 'STARTING',
        prefixes: ['logs/'],
        action: 'PUT',
        historicalObjectReplication: true,
        syncRole: null,
        sseKmsEncryptedObjects: null,
        replicaKmsKeyId: null,
        destination: { bucket: destinations[0], location: 'oss-cn-beijing', transferType: 'INTERNAL' },
        rtc: { enabled: false, status: null },
        plan: null,
      });

      const list = await gql(`query($b: String!) { replicationRules(bucket: $b) { id status } }`, {
        b: source,
      });
      expect(list.body.data.replicationRules).toEqual([{ id: 'gql-rule', status: 'STARTING' }]);
      const one = await gql(
        `query($b: String!, $id: ID!) { replicationRule(bucket: $b, id: $id) { id action } }`,
        {
          b: source,
          id: 'gql-rule',
        },
      );
      expect(one.body.data.replicationRule).toEqual({ id: 'gql-rule', action: 'PUT' });

      const rtc = await gql(
        `mutation($b: String!, $r: ID!) { setReplicationTimeControl(bucket: $b, ruleId: $r, enabled: true) { id rtc { enabled status } } }`,
        { b: source, r: 'gql-rule' },
      );
      expect(rtc.body.data.setReplicationTimeControl).toEqual({
        id: 'gql-rule',
        rtc: { enabled: true, status: 'ENABLING' },
      });

      const deleted = await gql(
        `mutation($b: String!, $r: ID!) { deleteReplicationRule(bucket: $b, ruleId: $r) { id status } }`,
        {
          b: source,
          r: 'gql-rule',
        },
      );
      expect(deleted.body.data.deleteReplicationRule).toEqual({ id: 'gql-rule', status: 'CLOSING' });
    });

    it('dry-runs mutations with a plan field and writes nothing', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await gql(
        `mutation($b: String!, $in: CreateReplicationRuleInput!) {
           createReplicationRule(bucket: $b, input: $in, dryRun: true) { id status plan { operation method resource body dryRun } }
         }`,
        {
          b: source,
          in: { id: 'gql-dry', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } },
        },
      );
      expect(res.body.data.createReplicationRule).toMatchObject({
        id: 'gql-dry',
        status: 'STARTING',
        plan: {
          operation: 'PutBucketReplication',
          method: 'POST',
          resource: '/?replication&comp=add',
          dryRun: true,
        },
      });
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('reads progress and locations', async () => {
      const { source, destinations } = buckets('cn-shanghai');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'gql-progress', destination: { bucket: destinations[0], location: 'oss-cn-shanghai' } })
        .expect(201);
      advanceEmulator(61_000);
      const res = await gql(
        `query($b: String!, $r: ID!) {
           replicationProgress(bucket: $b, ruleId: $r) { ruleId status historicalObjectProgress newObjectsReplicatedUntil }
           replicationLocations(bucket: $b) { locations { location transferTypes rtcSupported } }
         }`,
        { b: source, r: 'gql-progress' },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.replicationProgress).toMatchObject({
        ruleId: 'gql-progress',
        status: 'DOING',
        historicalObjectProgress: 1,
      });
      expect(res.body.data.replicationLocations.locations).toContainEqual({
        location: 'oss-cn-hongkong',
        transferTypes: ['OSS_ACC'],
        rtcSupported: false,
      });
    });

    it('resolves ReplicationRule.progress for callers allowed to read it', async () => {
      const { source, destinations } = buckets('cn-beijing', 'cn-shanghai');
      for (const [i, location] of ['oss-cn-beijing', 'oss-cn-shanghai'].entries()) {
        await t.request
          .post(rulesUrl(source))
          .set(asAdmin())
          .send({ id: `field-${i}`, destination: { bucket: destinations[i], location } })
          .expect(201);
      }
      advanceEmulator(61_000);
      const res = await gql(
        `query($b: String!) { replicationRules(bucket: $b) { id progress { ruleId historicalObjectProgress } } }`,
        {
          b: source,
        },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.replicationRules).toEqual([
        { id: 'field-0', progress: { ruleId: 'field-0', historicalObjectProgress: 1 } },
        { id: 'field-1', progress: { ruleId: 'field-1', historicalObjectProgress: 1 } },
      ]);
    });

    it('gives a caller who may list rules but not read progress the rules, progress null and FORBIDDEN on that path', async () => {
      const { source, destinations } = buckets('cn-beijing');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin())
        .send({ id: 'partial', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(201);
      const res = await gql(
        `query($b: String!) { replicationRules(bucket: $b) { id progress { ruleId } } }`,
        { b: source },
        who.lister,
      );
      expect(res.body.data.replicationRules).toEqual([{ id: 'partial', progress: null }]);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].path).toEqual(['replicationRules', 0, 'progress']);
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        authorization: { action: 'oss:GetBucketReplicationProgress', decision: 'ImplicitDeny' },
      });
    });

    it('maps errors with extensions.code: NOT_FOUND with oss details, FORBIDDEN, BAD_USER_INPUT, CONFLICT', async () => {
      const missing = await gql(`{ replicationRules(bucket: "e2e-no-such-bucket") { id } }`);
      expect(missing.body.errors[0].extensions).toMatchObject({
        code: 'NOT_FOUND',
        oss: { code: 'NoSuchBucket', requestId: expect.stringMatching(/.+/) },
      });

      const { source, destinations } = buckets('cn-beijing');
      const forbidden = await gql(
        `mutation($b: String!, $r: ID!) { deleteReplicationRule(bucket: $b, ruleId: $r) { id } }`,
        { b: source, r: 'x' },
        who.lister,
      );
      expect(forbidden.body.errors[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        authorization: { action: 'oss:DeleteBucketReplication' },
      });

      const badBucket = await gql(
        `{ replicationLocations(bucket: "Bad_Bucket") { locations { location } } }`,
      );
      expect(badBucket.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errors: [expect.objectContaining({ field: 'bucket' })],
      });

      const destination = { bucket: destinations[0], location: 'oss-cn-beijing' };
      await t.request.post(rulesUrl(source)).set(asAdmin()).send({ id: 'a', destination }).expect(201);
      const conflict = await gql(
        `mutation($b: String!, $in: CreateReplicationRuleInput!) { createReplicationRule(bucket: $b, input: $in) { id } }`,
        {
          b: source,
          in: { id: 'b', destination },
        },
      );
      expect(conflict.body.errors[0].extensions).toMatchObject({
        code: 'CONFLICT',
        errors: [expect.objectContaining({ code: 'DuplicateDestination' })],
      });
    });
  });

  describe('both transports', () => {
    it('give the same error for the same invalid input', async () => {
      const { source } = buckets();
      const input = {
        id: 'x'.repeat(256),
        prefixes: Array.from({ length: 11 }, (_, i) => `p${i}`),
        destination: { bucket: 'ok-bucket', location: 'beijing' },
      };
      const rest = await t.request.post(rulesUrl(source)).set(asAdmin()).send(input).expect(400);
      const gql = await t.graphql(
        `mutation($b: String!, $in: CreateReplicationRuleInput!) { createReplicationRule(bucket: $b, input: $in) { id } }`,
        { b: source, in: input },
        asAdmin(),
      );
      const { detail, requestId: _r, ...restProblem } = rest.body;
      const { requestId: _g, ...extensions } = gql.body.errors[0].extensions;
      expect(gql.body.errors[0].message).toBe(detail);
      expect(extensions).toEqual(restProblem);
    });

    it('give the same pre-flight findings for the same rule', async () => {
      const { source, destinations } = buckets('cn-hongkong');
      const input = {
        destination: { bucket: destinations[0], location: 'oss-cn-hongkong' },
        rtc: { enabled: true },
      };
      const rest = await t.request.post(rulesUrl(source)).set(asAdmin()).send(input).expect(400);
      const gql = await t.graphql(
        `mutation($b: String!, $in: CreateReplicationRuleInput!) { createReplicationRule(bucket: $b, input: $in) { id } }`,
        { b: source, in: input },
        asAdmin(),
      );
      expect(gql.body.errors[0].extensions).toMatchObject({
        code: rest.body.code,
        reason: rest.body.reason,
        errors: rest.body.errors,
      });
    });
  });
});
