/**
 * End to end: the OSS emulator over a socket, driven by the project's OssClient (typed operations
 * for replication, `client.request` for buckets and objects). Raw requests appear only where the
 * client would never send such a request: anonymous or hand-signed calls, presigned URLs, a TEA
 * style `Host: ip:port/bucket`, chunked bodies, and the fault-injection admin endpoint.
 *
 * The emulator's replication runs only when a test ticks it (`tickMs: 0`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator-server.js';
import type { EmulatorAccessKey } from '../../src/emulator/options.js';
import { OssClient, type OssClientOptions, type OssRawResponse } from '../../src/oss/oss-client.js';
import { formatHttpDate } from '../../src/oss/signer/encoding.js';
import type { QueryPair } from '../../src/oss/signer/types.js';
import { signatureV1 } from '../../src/oss/signer/v1.js';
import {
  clientError,
  LoopbackTransport,
  ManualClock,
  presignRaw,
  sendRaw,
  serviceError,
  signRaw,
  xmlValue,
  xmlValues,
} from '../utils/emulator-client.js';

const XML = { 'Content-Type': 'application/xml' };
const ADD: QueryPair[] = [
  ['replication', null],
  ['comp', 'add'],
];
const DEL: QueryPair[] = [
  ['replication', null],
  ['comp', 'delete'],
];
const REQUEST_ID = /^[0-9A-F]{24}$/;

interface RuleXml {
  id?: string;
  prefixes?: string[];
  action?: string;
  bucket: string;
  location: string;
  transferType?: string;
  historical?: string;
  rtc?: string;
}

/** A hand-written PutBucketReplication body (children deliberately out of the usual order). */
function ruleBody(r: RuleXml): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ReplicationConfiguration><Rule>' +
    (r.rtc ? `<RTC><Status>${r.rtc}</Status></RTC>` : '') +
    (r.id ? `<ID>${r.id}</ID>` : '') +
    (r.prefixes ? `<PrefixSet>${r.prefixes.map((p) => `<Prefix>${p}</Prefix>`).join('')}</PrefixSet>` : '') +
    (r.action ? `<Action>${r.action}</Action>` : '') +
    `<Destination><Location>${r.location}</Location><Bucket>${r.bucket}</Bucket>` +
    (r.transferType ? `<TransferType>${r.transferType}</TransferType>` : '') +
    '</Destination>' +
    (r.historical ? `<HistoricalObjectReplication>${r.historical}</HistoricalObjectReplication>` : '') +
    '</Rule></ReplicationConfiguration>'
  );
}

function text(res: OssRawResponse): string {
  return res.body.toString('utf8');
}

describe('OSS emulator over HTTP', () => {
  let emu: Emulator;
  const clients: OssClient[] = [];

  async function boot(opts: EmulatorOptions = {}): Promise<void> {
    emu = await startEmulator({ replication: { startingMs: 0, closingMs: 0, tickMs: 0 }, ...opts });
  }

  /** A V4 path-style client on the emulator's first key; no retries, so every answer surfaces. */
  function client(overrides: Partial<OssClientOptions> = {}): OssClient {
    const c = new OssClient({
      region: 'cn-hangzhou',
      endpoint: emu.url,
      credentials: emu.accessKeys[0],
      timeouts: { connectMs: 1000, requestMs: 5000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 5000 },
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await emu.close();
  });

  describe('protocol', () => {
    beforeEach(async () => {
      await boot();
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
      emu.admin.createBucket('dst-bucket', 'cn-beijing');
    });

    it('puts a request id on every response and Code, RequestId, HostId and EC on errors', async () => {
      const ok = await client().request({ method: 'GET', bucket: 'src-bucket', query: { location: null } });
      expect(ok.status).toBe(200);
      expect(ok.requestId).toMatch(REQUEST_ID);
      expect(ok.headers['server']).toBe('AliyunOSS');

      const missing = await serviceError(client().getBucketReplication('no-such-bucket'));
      expect(missing).toMatchObject({
        status: 404,
        code: 'NoSuchBucket',
        ec: '0015-00000101',
        hostId: `127.0.0.1:${emu.port}`,
        details: { BucketName: 'no-such-bucket' },
      });
      expect(missing.requestId).toMatch(REQUEST_ID);

      // The client reads EC from the body; the header must carry the same value.
      const raw = await sendRaw(
        emu.url,
        signRaw(
          { method: 'GET', bucket: 'no-such-bucket', query: [['replication', null]] },
          { credentials: emu.accessKeys[0], version: 'v4', now: new Date() },
        ),
      );
      expect(raw.headers['x-oss-ec']).toBe('0015-00000101');
      expect(xmlValue(raw.text, 'EC')).toBe('0015-00000101');
      expect(xmlValue(raw.text, 'RequestId')).toBe(raw.headers['x-oss-request-id']);
    });

    it('serves virtual-hosted requests with the region taken from the host', async () => {
      const transport = new LoopbackTransport(emu.url);
      const virtual = client({ endpoint: undefined, region: 'cn-beijing', transport });
      await virtual.request({ method: 'PUT', bucket: 'vhost-bucket' });
      expect(transport.hosts).toEqual(['vhost-bucket.oss-cn-beijing.aliyuncs.com']);
      await transport.close();
      expect(await client().getBucketLocation('vhost-bucket')).toMatchObject({ location: 'oss-cn-beijing' });
    });

    it('accepts the TEA client Host header 127.0.0.1:PORT/bucket with a V1 signature', async () => {
      const signed = signRaw(
        { method: 'GET', bucket: 'src-bucket', query: [['location', null]] },
        { credentials: emu.accessKeys[0], version: 'v1', now: new Date() },
      );
      signed.headers['Host'] = `127.0.0.1:${emu.port}/src-bucket`;
      const res = await sendRaw(emu.url, signed);
      expect(res.status).toBe(200);
      expect(xmlValue(res.text, 'LocationConstraint')).toBe('oss-cn-hangzhou');
    });

    it('treats replication and replication= alike, in any query order, with a chunked body', async () => {
      const res = await sendRaw(
        emu.url,
        signRaw(
          {
            method: 'POST',
            bucket: 'src-bucket',
            query: [
              ['comp', 'add'],
              ['replication', ''],
            ],
            headers: XML,
            body: ruleBody({ id: 'r1', bucket: 'dst-bucket', location: 'oss-cn-beijing' }),
            chunked: true,
          },
          { credentials: emu.accessKeys[0], version: 'v4', now: new Date() },
        ),
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-oss-replication-rule-id']).toBe('r1');

      const v1 = client({ signatureVersion: 'v1' });
      const bare = await v1.request({ method: 'GET', bucket: 'src-bucket', query: [['replication', null]] });
      const withEquals = await v1.request({
        method: 'GET',
        bucket: 'src-bucket',
        query: [['replication', '']],
      });
      expect(xmlValues(text(bare), 'ID')).toEqual(['r1']);
      expect(text(withEquals)).toBe(text(bare));
    });

    it('accepts the empty-body Content-MD5 on GETs and answers InvalidDigest for a wrong one', async () => {
      const ok = await client().request({
        method: 'GET',
        bucket: 'src-bucket',
        query: { replicationLocation: null },
        headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==', ...XML },
      });
      expect(ok.status).toBe(200);
      const bad = await serviceError(
        client().request({
          method: 'POST',
          bucket: 'src-bucket',
          query: ADD,
          headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==', ...XML },
          body: ruleBody({ bucket: 'dst-bucket', location: 'oss-cn-beijing' }),
        }),
      );
      expect(bad).toMatchObject({ status: 400, code: 'InvalidDigest' });
      expect(emu.admin.getRules('src-bucket')).toEqual([]);
    });
  });

  describe('authentication', () => {
    const now = new Date('2025-04-17T15:39:12Z');
    const longTerm: EmulatorAccessKey = { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' };
    const sts: EmulatorAccessKey = {
      accessKeyId: 'STS.temp',
      accessKeySecret: 'temp-secret',
      securityToken: 'tok+/=',
    };

    beforeEach(async () => {
      await boot({ clock: () => now, accessKeys: [longTerm, sts] });
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
    });

    function at(credentials: EmulatorAccessKey, extra: Partial<OssClientOptions> = {}): OssClient {
      return client({ credentials, clock: () => now, ...extra });
    }

    const getLocation = (c: OssClient) => c.getBucketReplicationLocation('src-bucket');

    it('refuses anonymous requests with AccessDenied', async () => {
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: {},
      });
      expect(res.status).toBe(403);
      expect(xmlValue(res.text, 'Code')).toBe('AccessDenied');
    });

    it('refuses an Authorization header of an unknown scheme with InvalidArgument', async () => {
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: { Authorization: 'OSS2 AccessKeyId:LTAIlongterm,Signature:', Date: formatHttpDate(now) },
      });
      expect(res.status).toBe(400);
      expect(xmlValue(res.text, 'Code')).toBe('InvalidArgument');
    });

    it('answers InvalidAccessKeyId for an unknown key', async () => {
      const error = await serviceError(getLocation(at({ accessKeyId: 'LTAInobody', accessKeySecret: 'x' })));
      expect(error).toMatchObject({ status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000902' });
    });

    it('answers V1 SignatureDoesNotMatch with the expected StringToSign and without the secret', async () => {
      const error = await serviceError(
        getLocation(at({ ...longTerm, accessKeySecret: 'wrong' }, { signatureVersion: 'v1' })),
      );
      expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(error.details?.['StringToSign']).toBe(
        'GET\n\n\nThu, 17 Apr 2025 15:39:12 GMT\n/src-bucket/?replicationLocation',
      );
      expect(error.details?.['StringToSignBytes']).toMatch(/^47 45 54 0a/);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain('long-secret');
    });

    it('answers V4 SignatureDoesNotMatch with CanonicalRequest and StringToSign', async () => {
      const error = await serviceError(getLocation(at({ ...longTerm, accessKeySecret: 'wrong' })));
      expect(error.code).toBe('SignatureDoesNotMatch');
      expect(error.details?.['CanonicalRequest']).toBe(
        'GET\n/src-bucket/\nreplicationLocation\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250417T153912Z\n\n\nUNSIGNED-PAYLOAD',
      );
      expect(error.details?.['StringToSign']).toMatch(
        /^OSS4-HMAC-SHA256\n20250417T153912Z\n20250417\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}$/,
      );
    });

    it('verifies V1 and V4 headers, with the V1 date taken from x-oss-date when present', async () => {
      expect((await getLocation(at(longTerm))).locations).toContain('oss-cn-beijing');
      expect((await getLocation(at(longTerm, { signatureVersion: 'v1' }))).locations).toContain(
        'oss-cn-beijing',
      );
      const date = formatHttpDate(now);
      const stringToSign = `GET\n\n\n${date}\nx-oss-date:${date}\n/src-bucket/?replicationLocation`;
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: {
          Date: 'Thu, 01 Jan 1970 00:00:00 GMT',
          'x-oss-date': date,
          Authorization: `OSS LTAIlongterm:${signatureV1('long-secret', stringToSign)}`,
        },
      });
      expect(res.status).toBe(200);
    });

    it('requires the security token of an STS credential and rejects a wrong one', async () => {
      expect((await getLocation(at(sts))).requestId).toMatch(REQUEST_ID);
      expect((await getLocation(at(sts, { signatureVersion: 'v1' }))).requestId).toMatch(REQUEST_ID);
      const noToken = await serviceError(
        getLocation(at({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret })),
      );
      expect(noToken.code).toBe('InvalidAccessKeyId');
      const wrong = await serviceError(getLocation(at({ ...sts, securityToken: 'other' })));
      expect(wrong.code).toBe('InvalidSecurityToken');
    });

    it('answers RequestTimeTooSkewed outside the skew window and accepts a request inside it', async () => {
      const late = new Date(now.getTime() + 16 * 60 * 1000);
      const error = await serviceError(getLocation(at(longTerm, { clock: () => late })));
      expect(error).toMatchObject({
        status: 403,
        code: 'RequestTimeTooSkewed',
        serverTime: now,
        details: { RequestTime: formatHttpDate(late), MaxAllowedSkewMilliseconds: '900000' },
      });
      const within = new Date(now.getTime() + 14 * 60 * 1000);
      const ok = await getLocation(at(longTerm, { clock: () => within, signatureVersion: 'v1' }));
      expect(ok.locations.length).toBeGreaterThan(0);
    });

    it('verifies presigned V1 and V4 URLs and refuses expired ones', async () => {
      const req = {
        method: 'GET',
        bucket: 'src-bucket',
        query: [['replicationLocation', null]] as QueryPair[],
      };
      for (const version of ['v1', 'v4'] as const) {
        expect((await sendRaw(emu.url, presignRaw(req, { credentials: sts, version, now }, 60))).status).toBe(
          200,
        );
        const earlier = new Date(now.getTime() - 120_000);
        const res = await sendRaw(emu.url, presignRaw(req, { credentials: sts, version, now: earlier }, 60));
        expect(res.status).toBe(403);
        expect(xmlValue(res.text, 'Code')).toBe('AccessDenied');
        expect(xmlValue(res.text, 'Message')).toBe('Request has expired.');
      }
    });
  });

  describe('buckets and objects', () => {
    beforeEach(async () => {
      await boot();
    });

    it('creates buckets in the V4 scope region, lists them and reports location and info', async () => {
      await client({ region: 'cn-shanghai' }).request({ method: 'PUT', bucket: 'bucket-a' });
      await client().request({ method: 'PUT', bucket: 'bucket-b' });
      expect(await serviceError(client().request({ method: 'PUT', bucket: 'bucket-b' }))).toMatchObject({
        status: 409,
        code: 'BucketAlreadyExists',
      });
      const list = text(await client().request({ method: 'GET' }));
      expect(xmlValues(list, 'Name')).toEqual(['bucket-a', 'bucket-b']);
      expect(xmlValues(list, 'Location')).toEqual(['oss-cn-shanghai', 'oss-cn-hangzhou']);
      expect(await client().resolveBucketRegion('bucket-a')).toBe('cn-shanghai');
      const info = text(
        await client().request({ method: 'GET', bucket: 'bucket-a', query: { bucketInfo: null } }),
      );
      expect(xmlValue(info, 'Location')).toBe('oss-cn-shanghai');
      expect(xmlValue(info, 'CrossRegionReplication')).toBe('Disabled');
    });

    it('refuses a bucket name OSS would refuse with InvalidBucketName', async () => {
      // The client refuses it before sending; the emulator must refuse it too.
      await clientError(client().request({ method: 'PUT', bucket: 'Bad_Name' }), 'InvalidBucketName');
      const res = await sendRaw(
        emu.url,
        signRaw(
          { method: 'PUT', bucket: 'Bad_Name' },
          { credentials: emu.accessKeys[0], version: 'v4', now: new Date() },
        ),
      );
      expect(res.status).toBe(400);
      expect(xmlValue(res.text, 'Code')).toBe('InvalidBucketName');
    });

    it('stores versioning status and refuses to delete a non-empty bucket', async () => {
      emu.admin.createBucket('bucket-v', 'cn-hangzhou');
      const c = client();
      await c.request({
        method: 'PUT',
        bucket: 'bucket-v',
        query: { versioning: null },
        headers: XML,
        body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
      });
      const get = await c.request({ method: 'GET', bucket: 'bucket-v', query: { versioning: null } });
      expect(xmlValue(text(get), 'Status')).toBe('Enabled');
      emu.admin.putObject('bucket-v', 'k', 'v');
      expect(await serviceError(c.request({ method: 'DELETE', bucket: 'bucket-v' }))).toMatchObject({
        status: 409,
        code: 'BucketNotEmpty',
      });
      emu.admin.deleteObject('bucket-v', 'k');
      expect((await c.request({ method: 'DELETE', bucket: 'bucket-v' })).status).toBe(204);
      expect(await serviceError(c.getBucketLocation('bucket-v'))).toMatchObject({ code: 'NoSuchBucket' });
    });

    it('puts, gets, heads and deletes objects with metadata', async () => {
      emu.admin.createBucket('bucket-o', 'cn-hangzhou');
      const c = client();
      const key = 'dir/a b+c.txt';
      const put = await c.request({
        method: 'PUT',
        bucket: 'bucket-o',
        key,
        headers: {
          'Content-Type': 'text/plain',
          'x-oss-meta-owner': 'alice',
          'Content-MD5': 'XUFAKrxLKna5cZ2REBfFkg==',
        },
        body: 'hello',
      });
      expect(put.headers['etag']).toBe('"5D41402ABC4B2A76B9719D911017C592"');
      const get = await c.request({ method: 'GET', bucket: 'bucket-o', key });
      expect(text(get)).toBe('hello');
      expect(get.headers['content-type']).toBe('text/plain');
      expect(get.headers['x-oss-meta-owner']).toBe('alice');
      const head = await c.request({ method: 'HEAD', bucket: 'bucket-o', key });
      expect(head.headers['content-length']).toBe('5');
      expect(head.body.length).toBe(0);
      expect((await c.request({ method: 'DELETE', bucket: 'bucket-o', key })).status).toBe(204);
      expect(await serviceError(c.request({ method: 'GET', bucket: 'bucket-o', key }))).toMatchObject({
        status: 404,
        code: 'NoSuchKey',
      });
      // A HEAD answer has no body: the code can only come from the base64 x-oss-err header.
      expect(await serviceError(c.request({ method: 'HEAD', bucket: 'bucket-o', key }))).toMatchObject({
        status: 404,
        code: 'NoSuchKey',
        ec: '0026-00000001',
      });
    });

    it('lists objects with prefix, delimiter, max-keys and marker (V1) and continuation (V2)', async () => {
      emu.admin.createBucket('bucket-l', 'cn-hangzhou');
      for (const k of ['a/1', 'a/2', 'b/1', 'b/2', 'c', 'd']) {
        emu.admin.putObject('bucket-l', k, k);
      }
      const c = client();
      const list = async (query: QueryPair[]) =>
        text(await c.request({ method: 'GET', bucket: 'bucket-l', query }));
      const v1 = await list([
        ['delimiter', '/'],
        ['max-keys', '3'],
      ]);
      expect(xmlValues(v1, 'Prefix').slice(1)).toEqual(['a/', 'b/']);
      expect(xmlValues(v1, 'Key')).toEqual(['c']);
      expect(xmlValue(v1, 'IsTruncated')).toBe('true');
      const v1b = await list([
        ['delimiter', '/'],
        ['marker', xmlValue(v1, 'NextMarker')!],
      ]);
      expect(xmlValues(v1b, 'Key')).toEqual(['d']);
      expect(xmlValues(await list([['prefix', 'b/']]), 'Key')).toEqual(['b/1', 'b/2']);

      const keys: string[] = [];
      let token: string | undefined;
      do {
        const q: QueryPair[] = [
          ['list-type', '2'],
          ['max-keys', '4'],
        ];
        if (token) {
          q.push(['continuation-token', token]);
        }
        const page = await list(q);
        keys.push(...xmlValues(page, 'Key'));
        token = xmlValue(page, 'NextContinuationToken');
      } while (token);
      expect(keys).toEqual(['a/1', 'a/2', 'b/1', 'b/2', 'c', 'd']);
      expect(
        await serviceError(c.request({ method: 'GET', bucket: 'bucket-l', query: { 'max-keys': '5000' } })),
      ).toMatchObject({ code: 'InvalidArgument' });
    });
  });

  describe('replication operations', () => {
    beforeEach(async () => {
      await boot();
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
      emu.admin.createBucket('dst-bucket', 'cn-beijing');
      emu.admin.createBucket('hk-bucket', 'cn-hongkong');
      emu.admin.createBucket('same-region', 'cn-hangzhou');
    });

    /** PutBucketReplication with a hand-written body (what the typed operation cannot express). */
    function putBody(body: string, bucket = 'src-bucket'): Promise<OssRawResponse> {
      return client().request({ method: 'POST', bucket, query: ADD, headers: XML, body });
    }

    it('serves GetBucketReplicationLocation with transfer-type and RTC constraints', async () => {
      const res = await client().getBucketReplicationLocation('src-bucket');
      expect(res.locations).toContain('oss-cn-beijing');
      expect(res.locations).not.toContain('oss-cn-hangzhou');
      expect(res.transferTypeConstraints).toContainEqual({
        location: 'oss-cn-hongkong',
        transferTypes: ['oss_acc'],
      });
      expect(res.transferTypeConstraints.map((c) => c.location)).not.toContain('oss-cn-beijing');
      expect(res.rtcLocations).toContain('oss-cn-beijing');
      expect(res.rtcLocations).not.toContain('oss-cn-hongkong');
    });

    it('returns the rule in GetBucketReplication with its fields, in OSS form', async () => {
      const c = client();
      const put = await c.putBucketReplication('src-bucket', {
        id: 'rule-1',
        prefixes: ['logs/', 'video/'],
        action: 'PUT',
        destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
        historicalObjectReplication: false,
      });
      expect(put.ruleId).toBe('rule-1');
      expect((await c.getBucketReplication('src-bucket')).rules[0].status).toBe('starting');
      emu.admin.tickReplication();
      const raw = await c.request({ method: 'GET', bucket: 'src-bucket', query: { replication: null } });
      expect(text(raw)).toContain(
        '<Rule><ID>rule-1</ID><PrefixSet><Prefix>logs/</Prefix><Prefix>video/</Prefix></PrefixSet><Action>PUT</Action><Destination><Bucket>hk-bucket</Bucket><Location>oss-cn-hongkong</Location><TransferType>oss_acc</TransferType></Destination><Status>doing</Status><HistoricalObjectReplication>disabled</HistoricalObjectReplication></Rule>',
      );
      expect((await c.getBucketReplication('src-bucket')).rules).toEqual([
        {
          id: 'rule-1',
          status: 'doing',
          prefixes: ['logs/', 'video/'],
          action: 'PUT',
          destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
          historicalObjectReplication: false,
        },
      ]);
    });

    it('rejects a body without the ReplicationConfiguration root with MalformedXML (EC 0031-00000001)', async () => {
      const noRoot = await serviceError(
        putBody(
          '<Rule><Destination><Bucket>dst-bucket</Bucket><Location>oss-cn-beijing</Location></Destination></Rule>',
        ),
      );
      expect(noRoot).toMatchObject({ status: 400, code: 'MalformedXML', ec: '0031-00000001' });
      expect((await serviceError(putBody('<ReplicationConfiguration><Rule>'))).code).toBe('MalformedXML');
    });

    it('maps each invalid rule to the OSS error code', async () => {
      const dst = { bucket: 'dst-bucket', location: 'oss-cn-beijing' };
      const cases: Array<[string, string]> = [
        [ruleBody(dst).replace('</Rule>', '</Rule><Rule></Rule>'), 'TooManyReplicationRules'],
        [ruleBody({ ...dst, prefixes: Array.from({ length: 11 }, (_, i) => `p${i}/`) }), 'TooManyPrefixes'],
        [ruleBody({ bucket: 'src-bucket', location: 'oss-cn-hangzhou' }), 'InvalidTargetBucket'],
        [ruleBody({ bucket: 'missing-bucket', location: 'oss-cn-beijing' }), 'InvalidTargetBucket'],
        [ruleBody({ bucket: 'dst-bucket', location: 'oss-cn-shanghai' }), 'InvalidTargetLocation'],
        [ruleBody({ bucket: 'dst-bucket', location: 'cn-beijing' }), 'InvalidTargetLocation'],
        [ruleBody({ bucket: 'dst-bucket', location: 'oss-eu-nowhere-9' }), 'BadReplicationLocation'],
        [ruleBody({ bucket: 'hk-bucket', location: 'oss-cn-hongkong' }), 'MissingArgument'],
        [
          ruleBody({ bucket: 'hk-bucket', location: 'oss-cn-hongkong', transferType: 'internal' }),
          'InvalidArgument',
        ],
        [
          ruleBody({ bucket: 'same-region', location: 'oss-cn-hangzhou', transferType: 'oss_acc' }),
          'InvalidArgument',
        ],
        [ruleBody({ ...dst, transferType: 'carrier-pigeon' }), 'InvalidArgument'],
        [
          ruleBody({
            bucket: 'hk-bucket',
            location: 'oss-cn-hongkong',
            transferType: 'oss_acc',
            rtc: 'enabled',
          }),
          'ReplicationLocationNotSupportRtc',
        ],
        [
          ruleBody({ bucket: 'same-region', location: 'oss-cn-hangzhou', rtc: 'enabled' }),
          'ReplicationLocationNotSupportRtc',
        ],
        [ruleBody({ ...dst, action: 'COPY' }), 'InvalidArgument'],
        [ruleBody({ ...dst, historical: 'maybe' }), 'InvalidArgument'],
        [ruleBody({ ...dst, id: 'x'.repeat(256) }), 'InvalidArgument'],
      ];
      for (const [body, expected] of cases) {
        const error = await serviceError(putBody(body));
        expect({ body, code: error.code, status: error.status }).toEqual({
          body,
          code: expected,
          status: 400,
        });
      }
      expect(emu.admin.getRules('src-bucket')).toEqual([]);
      const noBucket = await serviceError(
        client().putBucketReplication('nosuch-bucket', {
          destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
        }),
      );
      expect(noBucket).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    });

    it("accepts the PutBucketReplication documentation's sample: hangzhou → beijing with oss_acc", async () => {
      const docSample =
        '<?xml version="1.0" encoding="UTF-8"?>\n<ReplicationConfiguration>\n  <Rule>\n' +
        '     <RTC>\n        <Status>enabled</Status>\n     </RTC>\n' +
        '     <PrefixSet>\n        <Prefix>source1</Prefix>\n        <Prefix>video</Prefix>\n     </PrefixSet>\n' +
        '     <Action>PUT</Action>\n     <Destination>\n        <Bucket>dst-bucket</Bucket>\n' +
        '        <Location>oss-cn-beijing</Location>\n        <TransferType>oss_acc</TransferType>\n' +
        '     </Destination>\n     <HistoricalObjectReplication>enabled</HistoricalObjectReplication>\n' +
        '      <SyncRole>aliyunramrole</SyncRole>\n  </Rule>\n</ReplicationConfiguration>';
      expect((await putBody(docSample)).status).toBe(200);
      expect(emu.admin.getRules('src-bucket')).toMatchObject([
        {
          prefixes: ['source1', 'video'],
          action: 'PUT',
          destination: { bucket: 'dst-bucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
          rtc: 'enabling',
        },
      ]);
    });

    it('refuses overlapping prefixes within a rule with InvalidArgument (EC 0031-00000019), not across rules', async () => {
      const dst = { bucket: 'dst-bucket', location: 'oss-cn-beijing' };
      const overlap = await serviceError(putBody(ruleBody({ ...dst, prefixes: ['source', 'source/video'] })));
      expect(overlap).toMatchObject({ status: 400, code: 'InvalidArgument', ec: '0031-00000019' });
      expect(overlap.message).toContain('"source" and "source/video"');
      expect(emu.admin.getRules('src-bucket')).toEqual([]);
      expect((await putBody(ruleBody({ ...dst, prefixes: ['source1', 'video'] }))).status).toBe(200);
      const other = { bucket: 'same-region', location: 'oss-cn-hangzhou', prefixes: ['source1/video'] };
      expect((await putBody(ruleBody(other))).status).toBe(200);
    });

    it('answers the ECs OSS documents for an invalid history setting or Action, and PutBucketRTC without or with an unknown ID', async () => {
      const dst = { bucket: 'dst-bucket', location: 'oss-cn-beijing' };
      expect(await serviceError(putBody(ruleBody({ ...dst, historical: 'open' })))).toMatchObject({
        status: 400,
        code: 'InvalidArgument',
        ec: '0031-00000011',
      });
      expect(await serviceError(putBody(ruleBody({ ...dst, action: 'SET' })))).toMatchObject({
        status: 400,
        code: 'InvalidArgument',
        ec: '0031-00000023',
      });
      const c = client();
      await c.putBucketReplication('src-bucket', {
        id: 'r1',
        destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
      });
      const rtc = (body: string) =>
        serviceError(
          c.request({ method: 'PUT', bucket: 'src-bucket', query: [['rtc', null]], headers: XML, body }),
        );
      expect(
        await rtc('<ReplicationRule><RTC><Status>enabled</Status></RTC></ReplicationRule>'),
      ).toMatchObject({
        status: 400,
        code: 'MissingArgument',
        ec: '0031-00000015',
      });
      expect(
        await rtc('<ReplicationRule><RTC><Status>enabled</Status></RTC><ID>abcd</ID></ReplicationRule>'),
      ).toMatchObject({ status: 404, code: 'NoSuchReplicationRule', ec: '0031-00000110' });
      expect(
        await serviceError(
          c.putBucketReplication('src-bucket', {
            id: 'r2',
            destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
          }),
        ),
      ).toMatchObject({ status: 400, code: 'BucketReplicationAlreadyExist', ec: '0031-00000044' });
    });

    it('refuses a second rule for the same destination with BucketReplicationAlreadyExist', async () => {
      const c = client();
      await putBody(ruleBody({ bucket: 'dst-bucket', location: 'oss-cn-beijing', action: 'all' }));
      const again = await serviceError(
        c.putBucketReplication('src-bucket', {
          id: 'other',
          destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
        }),
      );
      expect(again).toMatchObject({ status: 400, code: 'BucketReplicationAlreadyExist' });
      await c.putBucketReplication('src-bucket', {
        destination: { bucket: 'same-region', location: 'cn-hangzhou' },
      });
      expect(emu.admin.getRules('src-bucket').map((r) => [r.action, r.destination.bucket])).toEqual([
        ['ALL', 'dst-bucket'],
        ['ALL', 'same-region'],
      ]);
    });

    it('refuses the 101st rule of a bucket with TooManyOutgoingReplication', async () => {
      const c = client();
      for (let i = 0; i < 100; i++) {
        emu.admin.createBucket(`many-${i}`, 'cn-beijing');
        await c.putBucketReplication('src-bucket', {
          id: `rule-${i}`,
          destination: { bucket: `many-${i}`, location: 'cn-beijing' },
        });
      }
      emu.admin.createBucket('many-100', 'cn-beijing');
      const error = await serviceError(
        c.putBucketReplication('src-bucket', { destination: { bucket: 'many-100', location: 'cn-beijing' } }),
      );
      expect(error.code).toBe('TooManyOutgoingReplication');
      expect((await c.getBucketReplication('src-bucket')).rules).toHaveLength(100);
    });

    it('answers the 404s of an unknown configuration or rule', async () => {
      const c = client();
      expect((await serviceError(c.getBucketReplication('src-bucket'))).code).toBe(
        'NoSuchReplicationConfiguration',
      );
      expect((await serviceError(c.getBucketReplicationProgress('src-bucket', 'nope'))).code).toBe(
        'NoSuchReplicationConfiguration',
      );
      await c.putBucketReplication('src-bucket', {
        id: 'r1',
        destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
      });
      const progress = await serviceError(c.getBucketReplicationProgress('src-bucket', 'nope'));
      expect(progress).toMatchObject({ status: 404, code: 'NoSuchReplicationRule' });
      expect(progress.message).toMatch(/^The BucketReplicationRule you specified does not exist/);
      expect((await serviceError(c.putBucketRtc('src-bucket', 'nope', true))).code).toBe(
        'NoSuchReplicationRule',
      );
      expect((await serviceError(c.deleteBucketReplication('src-bucket', 'nope'))).code).toBe(
        'NoSuchReplicationRule',
      );
    });

    it('answers GetBucketReplicationProgress without rule-id with every rule of the bucket', async () => {
      const c = client();
      await c.putBucketReplication('src-bucket', {
        id: 'to-beijing',
        destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
      });
      await c.putBucketReplication('src-bucket', {
        id: 'to-hongkong',
        destination: { bucket: 'hk-bucket', location: 'cn-hongkong', transferType: 'oss_acc' },
        historicalObjectReplication: false,
      });
      emu.admin.tickReplication();
      const raw = await c.request({
        method: 'GET',
        bucket: 'src-bucket',
        query: { replicationProgress: null },
      });
      expect(raw.status).toBe(200);
      expect(xmlValues(text(raw), 'ID')).toEqual(['to-beijing', 'to-hongkong']);
      const all = await c.getBucketReplicationProgress('src-bucket', undefined);
      expect(all.rules.map((r) => [r.rule.id, r.rule.status, r.historicalObjectProgress])).toEqual([
        ['to-beijing', 'doing', 1],
        ['to-hongkong', 'doing', null],
      ]);
      const one = await c.getBucketReplicationProgress('src-bucket', 'to-hongkong');
      expect(one.rules.map((r) => r.rule.id)).toEqual(['to-hongkong']);
    });

    it('answers 200 when deleting from a bucket without rules, and TooManyReplicationRules for two IDs', async () => {
      expect(await client().deleteBucketReplication('src-bucket', 'r1')).toMatchObject({
        alreadyClosing: false,
      });
      const two = await serviceError(
        client().request({
          method: 'POST',
          bucket: 'src-bucket',
          query: DEL,
          headers: XML,
          body: '<ReplicationRules><ID>a</ID><ID>b</ID></ReplicationRules>',
        }),
      );
      expect(two.code).toBe('TooManyReplicationRules');
    });

    it('switches RTC with PutBucketRTC and refuses it for a same-region rule', async () => {
      const c = client();
      const rtcOf = (id: string) => emu.admin.getRules('src-bucket').find((r) => r.id === id)!.rtc;
      await c.putBucketReplication('src-bucket', {
        id: 'r1',
        destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
      });
      await c.putBucketReplication('src-bucket', {
        id: 'srr',
        destination: { bucket: 'same-region', location: 'cn-hangzhou' },
      });
      await c.putBucketRtc('src-bucket', 'r1', true);
      expect(rtcOf('r1')).toBe('enabling');
      expect((await serviceError(c.putBucketRtc('src-bucket', 'srr', true))).code).toBe(
        'BucketReplicationNotSupportRtc',
      );
      const odd = await serviceError(
        c.request({
          method: 'PUT',
          bucket: 'src-bucket',
          query: [['rtc', '']],
          headers: XML,
          body: '<ReplicationRule><ID>r1</ID><RTC><Status>sometimes</Status></RTC></ReplicationRule>',
        }),
      );
      expect(odd.code).toBe('InvalidArgument');
      await c.putBucketRtc('src-bucket', 'r1', false);
      expect(rtcOf('r1')).toBe('disabled');
    });
  });

  describe('replication engine', () => {
    it('replicates historical and new objects, deletes under ALL, reports progress and retires a deleted rule', async () => {
      const clock = new ManualClock(Date.UTC(2025, 3, 17, 15, 0, 0));
      await boot({
        clock: clock.now,
        replication: { tickMs: 0, startingMs: 1000, closingMs: 2000, rtcEnablingMs: 1000 },
      });
      const hangzhou = client({ clock: clock.now });
      const beijing = client({ clock: clock.now, region: 'cn-beijing' });
      await hangzhou.request({ method: 'PUT', bucket: 'scenario-src' });
      await beijing.request({ method: 'PUT', bucket: 'scenario-dst' });
      expect(await hangzhou.resolveBucketRegion('scenario-dst')).toBe('cn-beijing');
      for (let i = 0; i < 40; i++) {
        await hangzhou.request({
          method: 'PUT',
          bucket: 'scenario-src',
          key: `logs/${String(i).padStart(3, '0')}.log`,
          body: `line ${i}`,
        });
      }
      await hangzhou.request({
        method: 'PUT',
        bucket: 'scenario-src',
        key: 'private/secret.txt',
        body: 'no',
      });

      await hangzhou.putBucketReplication('scenario-src', {
        id: 'scenario',
        prefixes: ['logs/'],
        destination: { bucket: 'scenario-dst', location: 'cn-beijing' },
        historicalObjectReplication: true,
        rtc: { enabled: true },
      });
      const first = await hangzhou.getBucketReplication('scenario-src');
      expect(first.rules[0]).toMatchObject({ status: 'starting', rtc: { status: 'enabling' } });
      const progress = async () =>
        (await hangzhou.getBucketReplicationProgress('scenario-src', 'scenario')).rules[0];
      expect((await progress()).historicalObjectProgress).toBeNull();

      clock.advance(1000);
      const seen: Array<number | null> = [];
      for (let step = 0; step < 4; step++) {
        emu.admin.tickReplication(10);
        seen.push((await progress()).historicalObjectProgress);
      }
      expect(seen).toEqual([0.25, 0.5, 0.75, 1]);
      const dstKeys = () => emu.admin.listObjects('scenario-dst').map((o) => o.key);
      expect(dstKeys()).toHaveLength(40);
      expect(dstKeys()).not.toContain('private/secret.txt');
      const copy = await beijing.request({ method: 'GET', bucket: 'scenario-dst', key: 'logs/007.log' });
      expect(text(copy)).toBe('line 7');
      expect((await progress()).newObjectsReplicatedUntil).toEqual(clock.now());
      expect((await hangzhou.getBucketReplication('scenario-src')).rules[0].rtc).toEqual({
        status: 'enabled',
      });

      await hangzhou.request({ method: 'PUT', bucket: 'scenario-src', key: 'logs/new.log', body: 'fresh' });
      await hangzhou.request({ method: 'DELETE', bucket: 'scenario-src', key: 'logs/003.log' });
      expect(emu.admin.tickReplication()).toBe(2);
      expect(emu.admin.getObject('scenario-dst', 'logs/new.log')?.toString()).toBe('fresh');
      expect(dstKeys()).not.toContain('logs/003.log');

      expect(await hangzhou.deleteBucketReplication('scenario-src', 'scenario')).toMatchObject({
        alreadyClosing: false,
      });
      expect((await hangzhou.getBucketReplication('scenario-src')).rules[0].status).toBe('closing');
      expect(await hangzhou.deleteBucketReplication('scenario-src', 'scenario')).toMatchObject({
        alreadyClosing: true,
      });
      clock.advance(2000);
      emu.admin.tickReplication();
      expect((await serviceError(hangzhou.getBucketReplication('scenario-src'))).code).toBe(
        'NoSuchReplicationConfiguration',
      );
      await hangzhou.request({ method: 'PUT', bucket: 'scenario-src', key: 'logs/after.log', body: 'late' });
      emu.admin.flushReplication();
      expect(dstKeys()).not.toContain('logs/after.log');
      expect(dstKeys()).toContain('logs/new.log');
    });

    it('does not chain replication (A→B, B→C does not carry A objects to C)', async () => {
      await boot();
      emu.admin.createBucket('chain-a', 'cn-hangzhou');
      emu.admin.createBucket('chain-b', 'cn-beijing');
      emu.admin.createBucket('chain-c', 'cn-shanghai');
      const c = client();
      await c.putBucketReplication('chain-a', { destination: { bucket: 'chain-b', location: 'cn-beijing' } });
      await c.putBucketReplication('chain-b', {
        destination: { bucket: 'chain-c', location: 'cn-shanghai' },
      });
      emu.admin.putObject('chain-a', 'from-a', 'a');
      emu.admin.putObject('chain-b', 'from-b', 'b');
      emu.admin.flushReplication();
      emu.admin.flushReplication();
      expect(emu.admin.listObjects('chain-b').map((o) => o.key)).toEqual(['from-a', 'from-b']);
      expect(emu.admin.listObjects('chain-c').map((o) => o.key)).toEqual(['from-b']);
    });

    it('keeps destination objects when Action is PUT and the source deletes', async () => {
      await boot();
      emu.admin.createBucket('put-src', 'cn-hangzhou');
      emu.admin.createBucket('put-dst', 'cn-beijing');
      await client().putBucketReplication('put-src', {
        action: 'PUT',
        destination: { bucket: 'put-dst', location: 'cn-beijing' },
      });
      emu.admin.putObject('put-src', 'k', 'v');
      emu.admin.flushReplication();
      emu.admin.deleteObject('put-src', 'k');
      emu.admin.flushReplication();
      expect(emu.admin.listObjects('put-dst').map((o) => o.key)).toEqual(['k']);
    });
  });

  describe('fault injection', () => {
    beforeEach(async () => {
      await boot({ faults: true });
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
    });

    const addFault = (spec: object) =>
      sendRaw(emu.url, {
        method: 'POST',
        path: '/__emulator/faults',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(spec),
      });
    const getLocation = (c: OssClient) => c.getBucketReplicationLocation('src-bucket');

    it('injects an OSS error for the named operation only, count times', async () => {
      const created = await addFault({
        operation: 'GetBucketReplicationLocation',
        status: 503,
        code: 'SlowDown',
        count: 2,
      });
      expect(created.status).toBe(201);
      const c = client();
      const first = await serviceError(getLocation(c));
      expect(first).toMatchObject({ status: 503, code: 'SlowDown', fault: 'server' });
      expect(first.requestId).toMatch(REQUEST_ID);
      expect(await c.resolveBucketRegion('src-bucket')).toBe('cn-hangzhou');
      expect((await serviceError(getLocation(c))).status).toBe(503);
      expect((await getLocation(c)).locations.length).toBeGreaterThan(0);
    });

    it('resets the connection, serves a malformed body, and clears faults on DELETE', async () => {
      const c = client();
      await addFault({ operation: '*', reset: true, count: 1 });
      await clientError(getLocation(c), 'NetworkError');
      await addFault({ malformedBody: true });
      await clientError(getLocation(c), 'MalformedResponse');
      const malformed = await c.request({
        method: 'GET',
        bucket: 'src-bucket',
        query: { replicationLocation: null },
      });
      expect(malformed.status).toBe(200);
      expect(text(malformed)).not.toContain('</ReplicationConfiguration>');
      const list = await sendRaw(emu.url, { method: 'GET', path: '/__emulator/faults', headers: {} });
      expect((JSON.parse(list.text) as { faults: unknown[] }).faults).toHaveLength(1);
      const cleared = await sendRaw(emu.url, { method: 'DELETE', path: '/__emulator/faults', headers: {} });
      expect(cleared.status).toBe(204);
      expect((await getLocation(c)).locations.length).toBeGreaterThan(0);
    });

    it('delays requests by latencyMs and validates fault specs', async () => {
      await addFault({ operation: 'GetBucketReplicationLocation', latencyMs: 1000, count: 1 });
      // Far more delay than the client waits: only the injected latency can make it time out.
      await clientError(getLocation(client({ timeouts: { connectMs: 1000, requestMs: 150 } })), 'Timeout');
      expect(emu.faults!.list()).toEqual([]);
      expect((await getLocation(client())).locations.length).toBeGreaterThan(0);
      const bad = await addFault({ errorRate: 2 });
      expect(bad.status).toBe(400);
      expect((JSON.parse(bad.text) as { error: string }).error).toMatch(/errorRate/);
    });
  });
});
