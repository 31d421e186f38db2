import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * Pre-flight of a create tells the truth, in a dry run exactly as in the real create: the destination
 * bucket is resolved (GetBucketLocation), the transfer type OSS requires is chosen when none is given,
 * overlapping prefixes are found, and a dry run of an idempotent replay says so. The whole app over
 * real HTTP against the OSS emulator on a real socket.
 */

const RULE_FIELDS = `id destination { bucket location transferType } idempotentReplay
  plan { operation body dryRun findings { field code severity message } }`;
const CREATE = `mutation($b: String!, $in: CreateReplicationRuleInput!, $dry: Boolean) {
  createReplicationRule(bucket: $b, input: $in, dryRun: $dry) { ${RULE_FIELDS} } }`;

describe('create pre-flight (e2e against the OSS emulator)', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  let counter = 0;
  const admin = principalWithKey('preflight-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const asAdmin = { 'x-api-key': admin.secret };
  const rulesUrl = (bucket: string, dryRun = false) =>
    `/v1/buckets/${bucket}/replication/rules${dryRun ? '?dryRun=true' : ''}`;

  /** A fresh source bucket in cn-hangzhou and one destination bucket per region. */
  function buckets(...regions: string[]): { source: string; destinations: string[] } {
    counter += 1;
    const source = `pf-src-${counter}`;
    emulator.admin.createBucket(source, 'cn-hangzhou');
    const destinations = regions.map((region, i) => {
      const name = `pf-dst-${counter}-${i}`;
      emulator.admin.createBucket(name, region);
      return name;
    });
    return { source, destinations };
  }

  /** The same create, dry run then real: both answers. */
  async function dryThenReal(source: string, body: object, status: number) {
    const dry = await t.request.post(rulesUrl(source, true)).set(asAdmin).send(body).expect(status);
    const real = await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(status);
    return { dry, real };
  }

  async function ossCallEvents(requestId: string, count: number): Promise<AuditEvent[]> {
    const audit = t.app.get(AuditService);
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

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, faults: true, replication: { tickMs: 0 } });
    principals = writePrincipalsFile({ principals: [admin.entry] });
    t = await createTestApp({
      ...emulatorEnv(emulator, 'cn-hangzhou'),
      OSS_ACCOUNT_ID: '1234567890123456',
      GATEWAY_PRINCIPALS_FILE: principals.file,
    });
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  describe('the destination bucket', () => {
    it('refuses a destination bucket that does not exist, in a dry run as in the create', async () => {
      const { source } = buckets();
      const body = { destination: { bucket: 'pf-no-such-bucket', location: 'oss-cn-beijing' } };
      const { dry, real } = await dryThenReal(source, body, 400);
      for (const res of [dry, real]) {
        expect(res.body).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PreflightFailed' });
        expect(res.body.errors).toEqual([
          {
            field: 'destination.bucket',
            code: 'DestinationBucketNotFound',
            message: 'The destination bucket "pf-no-such-bucket" does not exist.',
          },
        ]);
      }
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('refuses a location that is not the destination bucket’s region, in a dry run as in the create', async () => {
      const { source, destinations } = buckets('cn-shanghai');
      const body = { destination: { bucket: destinations[0], location: 'oss-cn-beijing' } };
      const { dry, real } = await dryThenReal(source, body, 400);
      for (const res of [dry, real]) {
        expect(res.body).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PreflightFailed' });
        expect(res.body.errors).toEqual([
          {
            field: 'destination.location',
            code: 'DestinationLocationMismatch',
            message: `The destination bucket "${destinations[0]}" is in oss-cn-shanghai, not oss-cn-beijing.`,
          },
        ]);
      }
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('warns, without refusing, when OSS denies the gateway reading the destination bucket; the lookup is audited', async () => {
      const { source, destinations } = buckets('cn-beijing');
      // Learn the source bucket's region first, so that only the destination lookup meets the fault.
      await t.request.get(rulesUrl(source)).set(asAdmin).expect(200);
      const fault = await fetch(`${emulator.url}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operation: 'GetBucketLocation', status: 403, code: 'AccessDenied', count: 1 }),
      });
      expect(fault.status).toBe(201);
      try {
        const res = await t.request
          .post(rulesUrl(source, true))
          .set(asAdmin)
          .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
          .expect(200);
        expect(res.body.plan.findings).toEqual([
          {
            field: 'destination.bucket',
            code: 'DestinationBucketUnverified',
            severity: 'warning',
            message: expect.stringContaining('(AccessDenied)'),
          },
        ]);
        const events = await ossCallEvents(res.headers['x-request-id'], 4);
        expect(events.find((e) => e.operation === 'GetBucketLocation')).toMatchObject({
          action: 'oss:PutBucketReplication',
          resource: `acs:oss:*:1234567890123456:${destinations[0]}`,
          outcomeStatus: 403,
          ossErrorCode: 'AccessDenied',
          dryRun: true,
        });
      } finally {
        await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
      }
    });
  });

  describe('the transfer type', () => {
    it('chooses oss_acc where the destination requires it and says so in the plan; the create sends it', async () => {
      const { source, destinations } = buckets('cn-hongkong');
      const body = { id: 'to-hk', destination: { bucket: destinations[0], location: 'oss-cn-hongkong' } };
      const dry = await t.request.post(rulesUrl(source, true)).set(asAdmin).send(body).expect(200);
      expect(dry.body.destination).toEqual({
        bucket: destinations[0],
        location: 'oss-cn-hongkong',
        transferType: 'oss_acc',
      });
      expect(dry.body.plan.body).toContain('<TransferType>oss_acc</TransferType>');
      expect(dry.body.plan.findings).toEqual([
        {
          field: 'destination.transferType',
          code: 'TransferTypeChosen',
          severity: 'info',
          message: expect.stringContaining('oss_acc'),
        },
      ]);

      const real = await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(201);
      expect(real.body.destination.transferType).toBe('oss_acc');
      expect(emulator.admin.getRules(source).map((r) => r.destination.transferType)).toEqual(['oss_acc']);
      // A retry of the same body (still without a transfer type) is an idempotent replay, not a conflict.
      const again = await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
    });

    it('sends no TransferType when neither the caller nor pre-flight chose one (OSS applies internal)', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const res = await t.request
        .post(rulesUrl(source, true))
        .set(asAdmin)
        .send({ destination: { bucket: destinations[0], location: 'oss-cn-beijing' } })
        .expect(200);
      expect(res.body.plan.body).not.toContain('TransferType');
      expect(res.body.plan.findings).toEqual([]);
      expect(res.body.destination.transferType).toBe('internal');
      const given = await t.request
        .post(rulesUrl(source, true))
        .set(asAdmin)
        .send({
          destination: { bucket: destinations[0], location: 'oss-cn-beijing', transferType: 'internal' },
        })
        .expect(200);
      expect(given.body.plan.body).toContain('<TransferType>internal</TransferType>');
    });

    it('shows the choice in GraphQL too', async () => {
      const { source, destinations } = buckets('cn-hongkong');
      const res = await t.graphql(
        CREATE,
        {
          b: source,
          in: { destination: { bucket: destinations[0], location: 'oss-cn-hongkong' } },
          dry: true,
        },
        asAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.createReplicationRule).toMatchObject({
        destination: { transferType: 'OSS_ACC' },
        idempotentReplay: null,
        plan: {
          operation: 'PutBucketReplication',
          dryRun: true,
          findings: [{ field: 'destination.transferType', code: 'TransferTypeChosen', severity: 'INFO' }],
        },
      });
    });
  });

  describe('overlapping prefixes', () => {
    it('refuses a rule whose own prefixes overlap (source and source/video) with 400, before OSS sees it', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const body = {
        id: 'videos',
        prefixes: ['source', 'source/video'],
        destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
      };
      const { dry, real } = await dryThenReal(source, body, 400);
      for (const res of [dry, real]) {
        expect(res.body).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PreflightFailed' });
        expect(res.body.errors).toEqual([
          {
            field: 'prefixes[1]',
            code: 'PrefixOverlap',
            message: expect.stringContaining('Prefix "source/video" overlaps prefix "source" (prefixes[0])'),
          },
        ]);
      }
      expect(emulator.admin.getRules(source)).toEqual([]);
    });

    it('accepts prefixes another rule replicates too, as OSS does, and says so in the dry-run plan', async () => {
      const { source, destinations } = buckets('cn-beijing', 'cn-shanghai');
      await t.request
        .post(rulesUrl(source))
        .set(asAdmin)
        .send({
          id: 'all-source',
          prefixes: ['source'],
          destination: { bucket: destinations[0], location: 'oss-cn-beijing' },
        })
        .expect(201);
      const body = {
        id: 'videos',
        prefixes: ['source/video'],
        destination: { bucket: destinations[1], location: 'oss-cn-shanghai' },
      };
      const dry = await t.request.post(rulesUrl(source, true)).set(asAdmin).send(body).expect(200);
      expect(dry.body.plan.findings).toEqual([
        {
          field: 'prefixes[0]',
          code: 'PrefixSharedWithRule',
          severity: 'info',
          message: expect.stringContaining('also replicated by rule "all-source"'),
        },
      ]);
      await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(201);
      expect(
        emulator.admin
          .getRules(source)
          .map((r) => r.id)
          .sort(),
      ).toEqual(['all-source', 'videos']);
    });
  });

  describe('a dry run of an idempotent replay', () => {
    it('answers plan null, idempotentReplay true and the Idempotent-Replayed header', async () => {
      const { source, destinations } = buckets('cn-beijing');
      const body = { id: 'replayed', destination: { bucket: destinations[0], location: 'oss-cn-beijing' } };
      const created = await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(201);
      expect(created.body).not.toHaveProperty('idempotentReplay');

      const dry = await t.request.post(rulesUrl(source, true)).set(asAdmin).send(body).expect(200);
      expect(dry.headers['idempotent-replayed']).toBe('true');
      expect(dry.headers.location).toBeUndefined();
      expect(dry.body).toMatchObject({ id: 'replayed', plan: null, idempotentReplay: true });

      const real = await t.request.post(rulesUrl(source)).set(asAdmin).send(body).expect(201);
      expect(real.headers['idempotent-replayed']).toBe('true');
      expect(real.body.idempotentReplay).toBe(true);
      expect(real.body).not.toHaveProperty('plan');

      const gql = await t.graphql(CREATE, { b: source, in: body, dry: true }, asAdmin);
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data.createReplicationRule).toMatchObject({
        id: 'replayed',
        plan: null,
        idempotentReplay: true,
      });
      expect(emulator.admin.getRules(source)).toHaveLength(1);
    });
  });
});
