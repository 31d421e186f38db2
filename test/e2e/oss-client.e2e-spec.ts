/**
 * End to end: every OssClient operation over a real socket against the embedded OSS emulator
 * (src/emulator), signed V4 and V1, with long-term and STS credentials, path-style and
 * virtual-hosted addressing, and the failures a client meets on the way: OSS error codes, bad
 * credentials, a skewed clock, throttling, slow and dropped connections, malformed bodies.
 *
 * Time is a manual clock shared by the emulator and the client; replication runs only when the
 * test ticks it (`tickMs: 0`). Back-off sleeps are recorded, not slept.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import type { EmulatorAccessKey } from '../../src/emulator/options.js';
import { OssClient, type OssClientOptions } from '../../src/oss/oss-client.js';
import type { ReplicationRuleProgressWire } from '../../src/oss/models/replication.js';
import type { SignatureVersion } from '../../src/oss/signer/signer.js';
import {
  clientError,
  LoopbackTransport,
  ManualClock,
  RequestLog,
  sendRaw,
  serviceError,
} from '../utils/emulator-client.js';

/** 2025-04-17T15:39:12Z, a whole second so the skew correction is exact. */
const T0 = Date.UTC(2025, 3, 17, 15, 39, 12);
const REQUEST_ID = /^[0-9A-F]{24}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const LONG_TERM: EmulatorAccessKey = {
  accessKeyId: 'LTAI5tClientE2EKey',
  accessKeySecret: 'ClientE2ESecret0123456789abcdef',
};
const STS: EmulatorAccessKey = {
  accessKeyId: 'STS.NUclientE2E',
  accessKeySecret: 'StsE2ESecret9876543210',
  securityToken: 'CAIS+e2e/token==',
};

/** Default region matrix of the emulator, seen from cn-hangzhou. */
const HANGZHOU_DESTINATIONS = [
  'oss-cn-shanghai',
  'oss-cn-beijing',
  'oss-cn-shenzhen',
  'oss-cn-hongkong',
  'oss-ap-southeast-1',
  'oss-us-west-1',
  'oss-us-east-1',
];

interface DroppingProxy {
  url: string;
  /** How many upcoming responses to swallow: the request reaches the emulator, the answer is lost. */
  dropNext: number;
  close(): Promise<void>;
}

/** A forwarding proxy that can lose an answer after the emulator has acted on the request. */
async function startDroppingProxy(targetUrl: string): Promise<DroppingProxy> {
  const target = new URL(targetUrl);
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (answer) => {
        if (proxy.dropNext > 0) {
          proxy.dropNext--;
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: DroppingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropNext: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** The progress of one rule of e2e-src (the client answers a list; asked by rule-id it holds that rule). */
async function progressOf(client: OssClient, ruleId: string): Promise<ReplicationRuleProgressWire> {
  const { rules } = await client.getBucketReplicationProgress('e2e-src', ruleId);
  expect(rules.map((r) => r.rule.id)).toEqual([ruleId]);
  return rules[0];
}

describe(OssClient.name, () => {
  describe.each<SignatureVersion>(['v4', 'v1'])('against the emulator, signing %s', (signatureVersion) => {
    let emu: Emulator;
    let clock: ManualClock;
    let log: RequestLog;
    let sleeps: number[];
    const closeables: Array<{ close(): Promise<void> }> = [];

    function makeClient(overrides: Partial<OssClientOptions> = {}): OssClient {
      const client = new OssClient({
        region: 'cn-hangzhou',
        endpoint: emu.url,
        credentials: LONG_TERM,
        signatureVersion,
        clock: clock.now,
        timeouts: { connectMs: 1000, requestMs: 5000 },
        retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, totalBudgetMs: 30_000 },
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        random: () => 0.5,
        ...overrides,
      });
      closeables.push(client);
      return client;
    }

    async function injectFault(spec: Record<string, unknown>): Promise<void> {
      const res = await sendRaw(emu.url, {
        method: 'POST',
        path: '/__emulator/faults',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(spec),
      });
      expect(res.status).toBe(201);
    }

    beforeEach(async () => {
      clock = new ManualClock(T0);
      log = new RequestLog();
      sleeps = [];
      emu = await startEmulator({
        clock: clock.now,
        logger: log.logger,
        accessKeys: [LONG_TERM, STS],
        faults: true,
        replication: { tickMs: 0, startingMs: 1000, closingMs: 2000, rtcEnablingMs: 1000 },
      });
      emu.admin.createBucket('e2e-src', 'cn-hangzhou');
      emu.admin.createBucket('e2e-dst-bj', 'cn-beijing');
      emu.admin.createBucket('e2e-dst-sh', 'cn-shanghai');
      emu.admin.createBucket('e2e-dst-hk', 'cn-hongkong');
    });

    afterEach(async () => {
      await Promise.all(closeables.splice(0).map((c) => c.close()));
      await emu.close();
    });

    describe('replication operations', () => {
      it('takes a rule from creation through starting, doing, RTC and progress to closing and gone', async () => {
        const client = makeClient();
        const none = await serviceError(client.getBucketReplication('e2e-src'));
        expect(none).toMatchObject({
          status: 404,
          code: 'NoSuchReplicationConfiguration',
          ec: '0031-00000103',
        });

        for (const key of ['logs/1', 'logs/2', 'logs/3', 'logs/4', 'tmp/skipped']) {
          emu.admin.putObject('e2e-src', key, `body of ${key}`);
        }
        const created = await client.putBucketReplication('e2e-src', {
          id: 'to-beijing',
          prefixes: ['logs/'],
          action: 'ALL',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
          rtc: { enabled: false },
        });
        expect(created).toEqual({ ruleId: 'to-beijing', requestId: expect.stringMatching(REQUEST_ID) });

        const listed = await client.getBucketReplication('e2e-src');
        expect(listed.requestId).toMatch(REQUEST_ID);
        expect(listed.rules).toEqual([
          {
            id: 'to-beijing',
            status: 'starting',
            prefixes: ['logs/'],
            action: 'ALL',
            destination: { bucket: 'e2e-dst-bj', location: 'oss-cn-beijing', transferType: 'internal' },
            historicalObjectReplication: true,
            rtc: { status: 'disabled' },
          },
        ]);
        const starting = await progressOf(client, 'to-beijing');
        expect(starting).toMatchObject({
          rule: { id: 'to-beijing', status: 'starting' },
          historicalObjectProgress: null,
          newObjectsReplicatedUntil: null,
        });

        clock.advance(1000);
        expect(emu.admin.tickReplication(2)).toBe(2);
        const half = await progressOf(client, 'to-beijing');
        expect(half.rule.status).toBe('doing');
        expect(half.historicalObjectProgress).toBe(0.5);
        expect(half.newObjectsReplicatedUntil).toEqual(clock.now());
        emu.admin.flushReplication();
        expect((await progressOf(client, 'to-beijing')).historicalObjectProgress).toBe(1);
        expect(emu.admin.listObjects('e2e-dst-bj').map((o) => o.key)).toEqual([
          'logs/1',
          'logs/2',
          'logs/3',
          'logs/4',
        ]);

        expect(await client.putBucketRtc('e2e-src', 'to-beijing', true)).toEqual({
          requestId: expect.stringMatching(REQUEST_ID),
        });
        expect((await client.getBucketReplication('e2e-src')).rules[0].rtc).toEqual({ status: 'enabling' });
        clock.advance(1000);
        emu.admin.tickReplication();
        expect((await client.getBucketReplication('e2e-src')).rules[0].rtc).toEqual({ status: 'enabled' });
        await client.putBucketRtc('e2e-src', 'to-beijing', false);
        expect((await client.getBucketReplication('e2e-src')).rules[0].rtc).toEqual({ status: 'disabled' });

        // New writes and deletes (Action ALL) through the client; the watermark waits for them.
        const writtenAt = clock.now();
        await client.request({ method: 'PUT', bucket: 'e2e-src', key: 'logs/5', body: 'five' });
        await client.request({ method: 'DELETE', bucket: 'e2e-src', key: 'logs/1' });
        clock.advance(3000);
        const pending = await progressOf(client, 'to-beijing');
        expect(pending.newObjectsReplicatedUntil).toEqual(writtenAt);
        emu.admin.flushReplication();
        const caughtUp = await progressOf(client, 'to-beijing');
        expect(caughtUp.newObjectsReplicatedUntil).toEqual(clock.now());
        const copied = await client.request({ method: 'GET', bucket: 'e2e-dst-bj', key: 'logs/5' });
        expect(copied.body.toString()).toBe('five');
        const deleted = await serviceError(
          client.request({ method: 'GET', bucket: 'e2e-dst-bj', key: 'logs/1' }),
        );
        expect(deleted).toMatchObject({ status: 404, code: 'NoSuchKey' });

        expect(await client.deleteBucketReplication('e2e-src', 'to-beijing')).toEqual({
          requestId: expect.stringMatching(REQUEST_ID),
          alreadyClosing: false,
        });
        expect((await client.getBucketReplication('e2e-src')).rules[0].status).toBe('closing');
        expect(await client.deleteBucketReplication('e2e-src', 'to-beijing')).toMatchObject({
          alreadyClosing: true,
        });
        clock.advance(2000);
        emu.admin.tickReplication();
        expect(await serviceError(client.getBucketReplication('e2e-src'))).toMatchObject({
          code: 'NoSuchReplicationConfiguration',
        });
        expect(log.entries.every((e) => e.status === 200 || e.status === 204 || e.status === 404)).toBe(true);
      });

      it('lists several rules, each with its own prefixes, action, transfer type, RTC and history setting', async () => {
        const client = makeClient();
        await client.putBucketReplication('e2e-src', {
          id: 'to-beijing',
          prefixes: ['logs/'],
          destination: { bucket: 'e2e-dst-bj', location: 'oss-cn-beijing' },
        });
        await client.putBucketReplication('e2e-src', {
          id: 'to-shanghai',
          prefixes: ['a&b <c>/', 'video/'],
          action: 'PUT',
          destination: { bucket: 'e2e-dst-sh', location: 'cn-shanghai' },
          historicalObjectReplication: false,
          rtc: { enabled: true },
        });
        await client.putBucketReplication('e2e-src', {
          id: 'to-hongkong',
          destination: { bucket: 'e2e-dst-hk', location: 'cn-hongkong', transferType: 'oss_acc' },
        });
        clock.advance(1000);
        emu.admin.tickReplication();

        const { rules } = await client.getBucketReplication('e2e-src');
        expect(rules).toEqual([
          {
            id: 'to-beijing',
            status: 'doing',
            prefixes: ['logs/'],
            action: 'ALL',
            destination: { bucket: 'e2e-dst-bj', location: 'oss-cn-beijing', transferType: 'internal' },
            historicalObjectReplication: true,
          },
          {
            id: 'to-shanghai',
            status: 'doing',
            prefixes: ['a&b <c>/', 'video/'],
            action: 'PUT',
            destination: { bucket: 'e2e-dst-sh', location: 'oss-cn-shanghai', transferType: 'internal' },
            historicalObjectReplication: false,
            // Nothing historical to wait for: RTC turns enabled once rtcEnablingMs has passed.
            rtc: { status: 'enabled' },
          },
          {
            id: 'to-hongkong',
            status: 'doing',
            prefixes: [],
            action: 'ALL',
            destination: { bucket: 'e2e-dst-hk', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
            historicalObjectReplication: true,
          },
        ]);
        const noHistory = await progressOf(client, 'to-shanghai');
        expect(noHistory.historicalObjectProgress).toBeNull();
        expect(noHistory.newObjectsReplicatedUntil).toEqual(clock.now());
        expect(noHistory.rule.prefixes).toEqual(['a&b <c>/', 'video/']);

        emu.admin.putObject('e2e-src', 'a&b <c>/x', 'x');
        emu.admin.flushReplication();
        expect(emu.admin.getObject('e2e-dst-sh', 'a&b <c>/x')?.toString()).toBe('x');
        expect(emu.admin.getObject('e2e-dst-hk', 'a&b <c>/x')?.toString()).toBe('x');
        expect(emu.admin.getObject('e2e-dst-bj', 'a&b <c>/x')).toBeUndefined();
      });

      it('keeps whitespace in rule ids and prefixes exactly, from the request to the answer', async () => {
        const client = makeClient();
        await client.putBucketReplication('e2e-src', {
          id: ' rule-1',
          prefixes: ['logs/ ', ' '],
          destination: { bucket: 'e2e-dst-bj', location: 'oss-cn-beijing' },
        });
        const { rules } = await client.getBucketReplication('e2e-src');
        expect(rules.map((r) => [r.id, r.prefixes])).toEqual([[' rule-1', ['logs/ ', ' ']]]);
        const progress = await progressOf(client, ' rule-1');
        expect(progress.rule.prefixes).toEqual(['logs/ ', ' ']);
        expect(emu.admin.getRules('e2e-src')[0].prefixes).toEqual(['logs/ ', ' ']);
        await client.deleteBucketReplication('e2e-src', ' rule-1');
        expect(emu.admin.getRules('e2e-src')[0].status).toBe('closing');
      });

      it('reports replication destinations with their transfer-type and RTC constraints', async () => {
        const client = makeClient();
        const locations = await client.getBucketReplicationLocation('e2e-src');
        expect(locations).toEqual({
          requestId: expect.stringMatching(REQUEST_ID),
          locations: HANGZHOU_DESTINATIONS,
          transferTypeConstraints: [
            'oss-cn-hongkong',
            'oss-ap-southeast-1',
            'oss-us-west-1',
            'oss-us-east-1',
          ].map((location) => ({ location, transferTypes: ['oss_acc'] })),
          rtcLocations: ['oss-cn-shanghai', 'oss-cn-beijing', 'oss-cn-shenzhen'],
        });
      });

      it('sends a generated rule id when the caller gives none, so the rule carries it', async () => {
        const ids = ['generated-0001', 'generated-0002'];
        const client = makeClient({ generateRuleId: () => ids.shift()! });
        const put = await client.putBucketReplication('e2e-src', {
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        expect(put.ruleId).toBe('generated-0001');
        expect(emu.admin.getRules('e2e-src').map((r) => r.id)).toEqual(['generated-0001']);

        const byDefault = await makeClient().putBucketReplication('e2e-src', {
          destination: { bucket: 'e2e-dst-sh', location: 'cn-shanghai' },
        });
        expect(byDefault.ruleId).toMatch(UUID);
        expect((await client.getBucketReplication('e2e-src')).rules.map((r) => r.id)).toEqual([
          'generated-0001',
          byDefault.ruleId,
        ]);
      });

      it('retries a create whose answer was lost with the same rule id, so no second rule appears', async () => {
        const proxy = await startDroppingProxy(emu.url);
        closeables.push(proxy);
        const client = makeClient({ endpoint: proxy.url, generateRuleId: () => 'generated-once' });
        proxy.dropNext = 1;
        const refused = await serviceError(
          client.putBucketReplication('e2e-src', {
            destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
          }),
        );
        expect(refused).toMatchObject({
          status: 400,
          code: 'BucketReplicationAlreadyExist',
          ec: '0031-00000044',
        });
        expect(log.statuses('PutBucketReplication')).toEqual([200, 400]);
        expect(sleeps).toEqual([50]);
        expect((await client.getBucketReplication('e2e-src')).rules.map((r) => r.id)).toEqual([
          'generated-once',
        ]);
      });

      it('retries a create refused with 503 SlowDown and creates the rule once', async () => {
        const client = makeClient({ generateRuleId: () => 'after-slowdown' });
        await injectFault({ operation: 'PutBucketReplication', status: 503, code: 'SlowDown', count: 1 });
        const put = await client.putBucketReplication('e2e-src', {
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        expect(put.ruleId).toBe('after-slowdown');
        expect(log.statuses('PutBucketReplication')).toEqual([503, 200]);
        expect(emu.admin.getRules('e2e-src').map((r) => r.id)).toEqual(['after-slowdown']);
      });
    });

    describe('bucket location', () => {
      it('discovers a bucket region and serves it from the cache until the TTL runs out', async () => {
        const client = makeClient({ locationCacheTtlMs: 60_000 });
        expect(await client.resolveBucketRegion('e2e-dst-bj')).toBe('cn-beijing');
        const first = await client.getBucketLocation('e2e-dst-bj');
        expect(first).toEqual({ location: 'oss-cn-beijing', requestId: expect.stringMatching(REQUEST_ID) });
        expect(log.count('GetBucketLocation')).toBe(1);

        clock.advance(59_000);
        expect(await client.getBucketLocation('e2e-dst-bj')).toBe(first);
        expect(log.count('GetBucketLocation')).toBe(1);
        clock.advance(1000);
        expect(await client.resolveBucketRegion('e2e-dst-bj')).toBe('cn-beijing');
        expect(log.count('GetBucketLocation')).toBe(2);

        client.forgetBucketLocation('e2e-dst-bj');
        const concurrent = await Promise.all([
          client.resolveBucketRegion('e2e-dst-bj'),
          client.resolveBucketRegion('e2e-dst-bj'),
          client.resolveBucketRegion('e2e-dst-bj'),
        ]);
        expect(concurrent).toEqual(['cn-beijing', 'cn-beijing', 'cn-beijing']);
        expect(log.count('GetBucketLocation')).toBe(3);
      });

      it('does not cache a missing bucket', async () => {
        const client = makeClient();
        for (let i = 0; i < 2; i++) {
          const missing = await serviceError(client.resolveBucketRegion('no-such-bucket'));
          expect(missing).toMatchObject({ status: 404, code: 'NoSuchBucket' });
        }
        expect(log.statuses('GetBucketLocation')).toEqual([404, 404]);
      });

      it('signs and addresses a call for the region it discovered', async () => {
        const client = makeClient();
        const region = await client.resolveBucketRegion('e2e-dst-bj');
        const fromBeijing = await client.getBucketReplicationLocation('e2e-dst-bj', { region });
        expect(fromBeijing.locations).toContain('oss-cn-hangzhou');
        expect(fromBeijing.locations).not.toContain('oss-cn-beijing');
        const put = await client.putBucketReplication(
          'e2e-dst-bj',
          {
            id: 'back-home',
            destination: { bucket: 'e2e-src', location: 'cn-hangzhou' },
            rtc: { enabled: true },
          },
          { region },
        );
        expect(put.ruleId).toBe('back-home');
        expect(emu.admin.getRules('e2e-dst-bj')).toMatchObject([{ id: 'back-home', rtc: 'enabling' }]);
      });
    });

    describe('OSS errors', () => {
      it('answers NoSuchBucket with status, code, request id, EC, host id and the bucket name', async () => {
        const error = await serviceError(makeClient().getBucketReplication('no-such-bucket'));
        expect(error).toMatchObject({
          name: 'OssServiceError',
          status: 404,
          code: 'NoSuchBucket',
          message: 'The specified bucket does not exist.',
          ec: '0015-00000101',
          hostId: `127.0.0.1:${emu.port}`,
          fault: 'client',
          details: { BucketName: 'no-such-bucket' },
        });
        expect(error.requestId).toMatch(REQUEST_ID);
      });

      it('answers NoSuchReplicationRule for an unknown rule id in every rule operation', async () => {
        const client = makeClient();
        await client.putBucketReplication('e2e-src', {
          id: 'known',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        const calls = [
          [client.getBucketReplicationProgress('e2e-src', 'unknown'), '0031-00000102'],
          // OSS documents 0031-00000110 for a PutBucketRTC whose ID matches no rule.
          [client.putBucketRtc('e2e-src', 'unknown', true), '0031-00000110'],
          [client.deleteBucketReplication('e2e-src', 'unknown'), '0031-00000102'],
        ] as const;
        for (const [call, ec] of calls) {
          expect(await serviceError(call)).toMatchObject({
            status: 404,
            code: 'NoSuchReplicationRule',
            ec,
            requestId: expect.stringMatching(REQUEST_ID),
          });
        }
      });

      it('answers BucketReplicationAlreadyExist for a second rule to the same destination', async () => {
        const client = makeClient();
        await client.putBucketReplication('e2e-src', {
          id: 'first',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        const error = await serviceError(
          client.putBucketReplication('e2e-src', {
            id: 'second',
            destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
          }),
        );
        expect(error).toMatchObject({
          status: 400,
          code: 'BucketReplicationAlreadyExist',
          ec: '0031-00000044',
        });
        expect(log.statuses('PutBucketReplication')).toEqual([200, 400]);
      });

      it('answers InvalidTargetLocation when the destination bucket is not in the named location', async () => {
        const error = await serviceError(
          makeClient().putBucketReplication('e2e-src', {
            destination: { bucket: 'e2e-dst-bj', location: 'cn-shanghai' },
          }),
        );
        expect(error).toMatchObject({ status: 400, code: 'InvalidTargetLocation', ec: '0031-00000004' });
      });

      it('refuses an invalid bucket name before anything is sent', async () => {
        await clientError(makeClient().getBucketReplication('Not_A_Bucket'), 'InvalidBucketName');
        expect(log.entries).toEqual([]);
      });
    });

    describe('credentials', () => {
      it('answers SignatureDoesNotMatch for a wrong secret without retrying or leaking either secret', async () => {
        const client = makeClient({ credentials: { ...LONG_TERM, accessKeySecret: 'not-the-secret' } });
        const error = await serviceError(client.getBucketReplicationLocation('e2e-src'));
        expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000040' });
        expect(error.details?.['StringToSign']).toBeDefined();
        expect(error.details?.['OSSAccessKeyId']).toBe(LONG_TERM.accessKeyId);
        if (signatureVersion === 'v4') {
          expect(error.details?.['CanonicalRequest']).toMatch(/^GET\n\/e2e-src\/\nreplicationLocation\n/);
        } else {
          expect(error.details?.['StringToSign']).toMatch(/\n\/e2e-src\/\?replicationLocation$/);
        }
        const everything = JSON.stringify({ ...error, message: error.message });
        expect(everything).not.toContain('not-the-secret');
        expect(everything).not.toContain(LONG_TERM.accessKeySecret);
        expect(log.count('GetBucketReplicationLocation')).toBe(1);
      });

      it('answers InvalidAccessKeyId for a key the emulator does not know', async () => {
        const client = makeClient({
          credentials: { accessKeyId: 'LTAInobody', accessKeySecret: 'whatever' },
        });
        const error = await serviceError(client.getBucketReplication('e2e-src'));
        expect(error).toMatchObject({ status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000902' });
        expect(log.entries).toHaveLength(1);
      });

      it('signs with an STS token from a credentials provider for every operation', async () => {
        let calls = 0;
        const client = makeClient({
          credentials: () => {
            calls++;
            return Promise.resolve(STS);
          },
        });
        await client.putBucketReplication('e2e-src', {
          id: 'sts-rule',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        await client.putBucketRtc('e2e-src', 'sts-rule', true);
        expect((await client.getBucketReplication('e2e-src')).rules).toHaveLength(1);
        await client.getBucketReplicationLocation('e2e-src');
        await client.getBucketReplicationProgress('e2e-src', 'sts-rule');
        expect(await client.resolveBucketRegion('e2e-src')).toBe('cn-hangzhou');
        await client.deleteBucketReplication('e2e-src', 'sts-rule');
        expect(calls).toBe(7);
        expect(log.entries.map((e) => e.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
      });

      it('answers InvalidSecurityToken for an STS key with the wrong token', async () => {
        const client = makeClient({ credentials: { ...STS, securityToken: 'some-other-token' } });
        const error = await serviceError(client.getBucketReplicationLocation('e2e-src'));
        expect(error).toMatchObject({ status: 403, code: 'InvalidSecurityToken' });
        expect(JSON.stringify(error.details ?? {})).not.toContain(STS.securityToken);
      });
    });

    describe('clock skew', () => {
      const hourBehind = (): Date => new Date(clock.now().getTime() - 3_600_000);

      it('corrects a clock one hour behind from RequestTimeTooSkewed and retries at once', async () => {
        const client = makeClient({ clock: hourBehind });
        const { rules } = await client
          .putBucketReplication('e2e-src', {
            id: 'skewed',
            destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
          })
          .then(() => client.getBucketReplication('e2e-src'));
        expect(rules.map((r) => r.id)).toEqual(['skewed']);
        expect(client.clockOffsetMs).toBe(3_600_000);
        expect(log.statuses('PutBucketReplication')).toEqual([403, 200]);
        expect(log.statuses('GetBucketReplication')).toEqual([200]);
        expect(sleeps).toEqual([]);
      });

      it('surfaces RequestTimeTooSkewed with the server time when no retry is allowed', async () => {
        const client = makeClient({
          clock: hourBehind,
          retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 },
        });
        const error = await serviceError(client.getBucketReplicationLocation('e2e-src'));
        expect(error).toMatchObject({
          status: 403,
          code: 'RequestTimeTooSkewed',
          ec: '0002-00000504',
          serverTime: clock.now(),
          details: { MaxAllowedSkewMilliseconds: '900000' },
        });
        expect(client.clockOffsetMs).toBe(0);
      });
    });

    describe('injected faults', () => {
      it('backs off and retries 503 SlowDown until it passes', async () => {
        await injectFault({
          operation: 'GetBucketReplicationLocation',
          status: 503,
          code: 'SlowDown',
          count: 2,
        });
        const locations = await makeClient().getBucketReplicationLocation('e2e-src');
        expect(locations.locations).toEqual(HANGZHOU_DESTINATIONS);
        expect(log.statuses('GetBucketReplicationLocation')).toEqual([503, 503, 200]);
        // Throttling backs off longer: half jitter over 5 × the base (500·2^(n-1), capped at 1 s).
        expect(sleeps).toEqual([375, 750]);
      });

      it('gives up after maxAttempts with the last typed SlowDown error', async () => {
        await injectFault({ operation: 'GetBucketReplication', status: 503, code: 'SlowDown', count: 5 });
        const client = makeClient({
          retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000, totalBudgetMs: 30_000 },
        });
        const error = await serviceError(client.getBucketReplication('e2e-src'));
        expect(error).toMatchObject({ status: 503, code: 'SlowDown', ec: '0000-00000003', fault: 'server' });
        expect(error.requestId).toMatch(REQUEST_ID);
        expect(log.statuses('GetBucketReplication')).toEqual([503, 503]);
      });

      it('times out a slow answer with OssClientError Timeout, and retries it when allowed', async () => {
        const timeouts = { connectMs: 1000, requestMs: 150 };
        await injectFault({ operation: 'GetBucketReplicationLocation', latencyMs: 1000, count: 1 });
        const once = makeClient({
          timeouts,
          retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 },
        });
        await clientError(once.getBucketReplicationLocation('e2e-src'), 'Timeout');

        await injectFault({ operation: 'GetBucketReplicationLocation', latencyMs: 1000, count: 1 });
        const twice = makeClient({ timeouts });
        expect((await twice.getBucketReplicationLocation('e2e-src')).locations).toEqual(
          HANGZHOU_DESTINATIONS,
        );
        expect(sleeps).toEqual([50]);
      });

      it('retries a reset connection, and reports NetworkError when every attempt is reset', async () => {
        await injectFault({ operation: 'GetBucketReplicationLocation', reset: true, count: 1 });
        expect((await makeClient().getBucketReplicationLocation('e2e-src')).locations).toEqual(
          HANGZHOU_DESTINATIONS,
        );
        expect(log.statuses('GetBucketReplicationLocation')).toEqual([-1, 200]);

        log.clear();
        await injectFault({ operation: 'GetBucketReplication', reset: true, count: 2 });
        const client = makeClient({
          retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 },
        });
        await clientError(client.getBucketReplication('e2e-src'), 'NetworkError');
        expect(log.statuses('GetBucketReplication')).toEqual([-1, -1]);
      });

      it('fails a truncated 200 body with MalformedResponse and does not retry it', async () => {
        const client = makeClient();
        await client.putBucketReplication('e2e-src', {
          id: 'r1',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        await injectFault({ operation: 'GetBucketReplication', malformedBody: true, count: 1 });
        await clientError(client.getBucketReplication('e2e-src'), 'MalformedResponse');
        expect(log.statuses('GetBucketReplication')).toEqual([200]);
        expect((await client.getBucketReplication('e2e-src')).rules.map((r) => r.id)).toEqual(['r1']);
      });

      it('aborts a call in flight when the caller signal fires', async () => {
        await injectFault({ operation: 'GetBucketReplication', latencyMs: 250, count: 1 });
        const controller = new AbortController();
        const pending = makeClient().getBucketReplication('e2e-src', { signal: controller.signal });
        await until(() => emu.faults!.list().length === 0, 'the emulator received the request');
        controller.abort();
        await clientError(pending, 'Aborted');
        expect(sleeps).toEqual([]);
      });
    });

    describe('addressing', () => {
      it('uses virtual-hosted addressing on OSS endpoints, with the region taken from the host', async () => {
        const transport = new LoopbackTransport(emu.url);
        closeables.push(transport);
        const client = makeClient({ endpoint: undefined, region: 'cn-beijing', transport });
        await client.request({ method: 'PUT', bucket: 'vhost-bucket' });
        expect(await client.resolveBucketRegion('vhost-bucket')).toBe('cn-beijing');
        await client.putBucketReplication('vhost-bucket', {
          id: 'vh',
          destination: { bucket: 'e2e-dst-bj', location: 'cn-beijing' },
        });
        expect((await client.getBucketReplication('vhost-bucket')).rules.map((r) => r.id)).toEqual(['vh']);
        expect(new Set(transport.hosts)).toEqual(new Set(['vhost-bucket.oss-cn-beijing.aliyuncs.com']));
      });

      it('uses path-style addressing on a named endpoint when asked to', async () => {
        const transport = new LoopbackTransport(emu.url);
        closeables.push(transport);
        const client = makeClient({
          endpoint: 'oss-cn-shanghai.aliyuncs.com',
          addressing: 'path',
          region: 'cn-shanghai',
          transport,
        });
        await client.request({ method: 'PUT', bucket: 'path-bucket' });
        expect(await client.resolveBucketRegion('path-bucket')).toBe('cn-shanghai');
        expect(new Set(transport.hosts)).toEqual(new Set(['oss-cn-shanghai.aliyuncs.com']));
      });
    });
  });
});
