import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator-server.js';
import { formatHttpDate } from '../../src/oss/signer/encoding.js';
import type { QueryPair } from '../../src/oss/signer/types.js';
import { signatureV1 } from '../../src/oss/signer/v1.js';
import { EmulatorClient, sendRaw, xmlValue, xmlValues, type RawResponse } from '../utils/emulator-client.js';

const XML = { 'Content-Type': 'application/xml' };
const ADD: QueryPair[] = [
  ['replication', null],
  ['comp', 'add'],
];
const DEL: QueryPair[] = [
  ['replication', null],
  ['comp', 'delete'],
];

interface RuleXml {
  id?: string;
  prefixes?: string[];
  action?: string;
  bucket: string;
  location: string;
  transferType?: string;
  historical?: 'enabled' | 'disabled';
  rtc?: 'enabled' | 'disabled';
}

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

function code(res: RawResponse): string | undefined {
  return xmlValue(res.text, 'Code');
}

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe();
    if (value) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe('OSS emulator over HTTP', () => {
  let emu: Emulator;
  let client: EmulatorClient;

  async function boot(opts: EmulatorOptions = {}): Promise<void> {
    emu = await startEmulator({ replication: { startingMs: 0, closingMs: 0, tickMs: 0 }, ...opts });
    client = new EmulatorClient(emu.url, { credentials: emu.accessKeys[0] });
  }

  afterEach(async () => {
    await emu.close();
  });

  describe('protocol', () => {
    beforeEach(async () => {
      await boot();
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
      emu.admin.createBucket('dst-bucket', 'cn-beijing');
    });

    it('puts x-oss-request-id on every response and x-oss-ec plus EC/HostId on errors', async () => {
      const ok = await client.send({ method: 'GET', bucket: 'src-bucket', query: [['location', null]] });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
      expect(ok.headers['server']).toBe('AliyunOSS');
      const missing = await client.send({
        method: 'GET',
        bucket: 'no-such-bucket',
        query: [['replication', null]],
      });
      expect(missing.status).toBe(404);
      expect(code(missing)).toBe('NoSuchBucket');
      expect(missing.headers['x-oss-ec']).toBe('0015-00000101');
      expect(xmlValue(missing.text, 'EC')).toBe('0015-00000101');
      expect(xmlValue(missing.text, 'RequestId')).toBe(missing.headers['x-oss-request-id']);
      expect(xmlValue(missing.text, 'HostId')).toBe(`127.0.0.1:${emu.port}`);
      expect(xmlValue(missing.text, 'BucketName')).toBe('no-such-bucket');
    });

    it('serves virtual-hosted requests with the region taken from the host', async () => {
      const virtual = client.with({ style: 'virtual', region: 'cn-beijing' });
      const put = await virtual.send({ method: 'PUT', bucket: 'vhost-bucket' });
      expect(put.status).toBe(200);
      const loc = await client.send({ method: 'GET', bucket: 'vhost-bucket', query: [['location', null]] });
      expect(xmlValue(loc.text, 'LocationConstraint')).toBe('oss-cn-beijing');
    });

    it('accepts the TEA client Host header 127.0.0.1:PORT/bucket with a V1 signature', async () => {
      const signed = client
        .with({ version: 'v1' })
        .sign({ method: 'GET', bucket: 'src-bucket', query: [['location', null]] });
      signed.headers['Host'] = `127.0.0.1:${emu.port}/src-bucket`;
      const res = await sendRaw(emu.url, signed);
      expect(res.status).toBe(200);
      expect(xmlValue(res.text, 'LocationConstraint')).toBe('oss-cn-hangzhou');
    });

    it('treats replication and replication= alike, in any query order, with a chunked body', async () => {
      const res = await client.send({
        method: 'POST',
        bucket: 'src-bucket',
        query: [
          ['comp', 'add'],
          ['replication', ''],
        ],
        headers: XML,
        body: ruleBody({ id: 'r1', bucket: 'dst-bucket', location: 'oss-cn-beijing' }),
        chunked: true,
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-oss-replication-rule-id']).toBe('r1');
      const get = await client
        .with({ version: 'v1' })
        .send({ method: 'GET', bucket: 'src-bucket', query: [['replication', '']] });
      expect(xmlValues(get.text, 'ID')).toEqual(['r1']);
    });

    it('accepts the empty-body Content-MD5 on GETs and answers InvalidDigest for a wrong one', async () => {
      const ok = await client.send({
        method: 'GET',
        bucket: 'src-bucket',
        query: [['replicationLocation', null]],
        headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==', ...XML },
      });
      expect(ok.status).toBe(200);
      const bad = await client.send({
        method: 'POST',
        bucket: 'src-bucket',
        query: ADD,
        headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==', ...XML },
        body: ruleBody({ bucket: 'dst-bucket', location: 'oss-cn-beijing' }),
      });
      expect(bad.status).toBe(400);
      expect(code(bad)).toBe('InvalidDigest');
    });
  });

  describe('authentication', () => {
    const now = new Date('2025-04-17T15:39:12Z');
    beforeEach(async () => {
      await boot({
        clock: () => now,
        accessKeys: [
          { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' },
          { accessKeyId: 'STS.temp', accessKeySecret: 'temp-secret', securityToken: 'tok+/=' },
        ],
      });
      emu.admin.createBucket('src-bucket', 'cn-hangzhou');
      client = client.with({ now: () => now });
    });
    const get = {
      method: 'GET',
      bucket: 'src-bucket',
      query: [['replicationLocation', null]] as QueryPair[],
    };

    it('refuses anonymous requests with AccessDenied', async () => {
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: {},
      });
      expect(res.status).toBe(403);
      expect(code(res)).toBe('AccessDenied');
    });

    it('refuses an Authorization header of an unknown scheme with InvalidArgument', async () => {
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: { Authorization: 'OSS2 AccessKeyId:LTAIlongterm,Signature:', Date: formatHttpDate(now) },
      });
      expect(res.status).toBe(400);
      expect(code(res)).toBe('InvalidArgument');
    });

    it('answers InvalidAccessKeyId for an unknown key', async () => {
      const res = await client
        .with({ credentials: { accessKeyId: 'LTAInobody', accessKeySecret: 'x' } })
        .send(get);
      expect(res.status).toBe(403);
      expect(code(res)).toBe('InvalidAccessKeyId');
      expect(res.headers['x-oss-ec']).toBe('0002-00000902');
    });

    it('answers V1 SignatureDoesNotMatch with the expected StringToSign and without the secret', async () => {
      const res = await client
        .with({ version: 'v1', credentials: { accessKeyId: 'LTAIlongterm', accessKeySecret: 'wrong' } })
        .send(get);
      expect(res.status).toBe(403);
      expect(code(res)).toBe('SignatureDoesNotMatch');
      expect(xmlValue(res.text, 'StringToSign')).toBe(
        'GET\n\n\nThu, 17 Apr 2025 15:39:12 GMT\n/src-bucket/?replicationLocation',
      );
      expect(xmlValue(res.text, 'StringToSignBytes')).toMatch(/^47 45 54 0a/);
      expect(res.text).not.toContain('long-secret');
    });

    it('answers V4 SignatureDoesNotMatch with CanonicalRequest and StringToSign', async () => {
      const res = await client
        .with({ credentials: { accessKeyId: 'LTAIlongterm', accessKeySecret: 'wrong' } })
        .send(get);
      expect(code(res)).toBe('SignatureDoesNotMatch');
      expect(xmlValue(res.text, 'CanonicalRequest')).toBe(
        'GET\n/src-bucket/\nreplicationLocation\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250417T153912Z\n\n\nUNSIGNED-PAYLOAD',
      );
      expect(xmlValue(res.text, 'StringToSign')).toMatch(
        /^OSS4-HMAC-SHA256\n20250417T153912Z\n20250417\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}$/,
      );
    });

    it('verifies V1 and V4 headers, with the V1 date taken from x-oss-date when present', async () => {
      const creds = { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' };
      expect((await client.with({ credentials: creds }).send(get)).status).toBe(200);
      expect((await client.with({ credentials: creds, version: 'v1' }).send(get)).status).toBe(200);
      const date = formatHttpDate(now);
      const sts = `GET\n\n\n${date}\nx-oss-date:${date}\n/src-bucket/?replicationLocation`;
      const res = await sendRaw(emu.url, {
        method: 'GET',
        path: '/src-bucket/?replicationLocation',
        headers: {
          Date: 'Thu, 01 Jan 1970 00:00:00 GMT',
          'x-oss-date': date,
          Authorization: `OSS LTAIlongterm:${signatureV1('long-secret', sts)}`,
        },
      });
      expect(res.status).toBe(200);
    });

    it('requires the security token of an STS credential and rejects a wrong one', async () => {
      const sts = { accessKeyId: 'STS.temp', accessKeySecret: 'temp-secret', securityToken: 'tok+/=' };
      expect((await client.with({ credentials: sts }).send(get)).status).toBe(200);
      expect((await client.with({ credentials: sts, version: 'v1' }).send(get)).status).toBe(200);
      const noToken = await client
        .with({ credentials: { accessKeyId: 'STS.temp', accessKeySecret: 'temp-secret' } })
        .send(get);
      expect(code(noToken)).toBe('InvalidAccessKeyId');
      const wrong = await client.with({ credentials: { ...sts, securityToken: 'other' } }).send(get);
      expect(code(wrong)).toBe('InvalidSecurityToken');
    });

    it('answers RequestTimeTooSkewed outside the skew window', async () => {
      const late = new Date(now.getTime() + 16 * 60 * 1000);
      const res = await client
        .with({
          credentials: { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' },
          now: () => late,
        })
        .send(get);
      expect(res.status).toBe(403);
      expect(code(res)).toBe('RequestTimeTooSkewed');
      const within = new Date(now.getTime() + 14 * 60 * 1000);
      const ok = await client
        .with({
          credentials: { accessKeyId: 'LTAIlongterm', accessKeySecret: 'long-secret' },
          now: () => within,
          version: 'v1',
        })
        .send(get);
      expect(ok.status).toBe(200);
    });

    it('verifies presigned V1 and V4 URLs and refuses expired ones', async () => {
      for (const version of ['v1', 'v4'] as const) {
        const c = client.with({
          version,
          credentials: { accessKeyId: 'STS.temp', accessKeySecret: 'temp-secret', securityToken: 'tok+/=' },
        });
        expect((await sendRaw(emu.url, c.presign(get, 60))).status).toBe(200);
        const expired = c.with({ now: () => new Date(now.getTime() - 120_000) }).presign(get, 60);
        const res = await sendRaw(emu.url, expired);
        expect(res.status).toBe(403);
        expect(code(res)).toBe('AccessDenied');
        expect(xmlValue(res.text, 'Message')).toBe('Request has expired.');
      }
    });
  });

  describe('buckets and objects', () => {
    beforeEach(async () => {
      await boot();
    });

    it('creates buckets in the V4 scope region, lists them and reports location and info', async () => {
      expect(
        (await client.with({ region: 'cn-shanghai' }).send({ method: 'PUT', bucket: 'bucket-a' })).status,
      ).toBe(200);
      expect((await client.send({ method: 'PUT', bucket: 'bucket-b' })).status).toBe(200);
      const again = await client.send({ method: 'PUT', bucket: 'bucket-b' });
      expect(again.status).toBe(409);
      expect(code(again)).toBe('BucketAlreadyExists');
      const bad = await client.send({ method: 'PUT', bucket: 'Bad_Name' });
      expect(code(bad)).toBe('InvalidBucketName');
      const list = await client.send({ method: 'GET' });
      expect(xmlValues(list.text, 'Name')).toEqual(['bucket-a', 'bucket-b']);
      expect(xmlValues(list.text, 'Location')).toEqual(['oss-cn-shanghai', 'oss-cn-hangzhou']);
      const info = await client.send({ method: 'GET', bucket: 'bucket-a', query: [['bucketInfo', null]] });
      expect(xmlValue(info.text, 'Location')).toBe('oss-cn-shanghai');
      expect(xmlValue(info.text, 'CrossRegionReplication')).toBe('Disabled');
    });

    it('stores versioning status and refuses to delete a non-empty bucket', async () => {
      emu.admin.createBucket('bucket-v', 'cn-hangzhou');
      const put = await client.send({
        method: 'PUT',
        bucket: 'bucket-v',
        query: [['versioning', null]],
        headers: XML,
        body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
      });
      expect(put.status).toBe(200);
      const get = await client.send({ method: 'GET', bucket: 'bucket-v', query: [['versioning', null]] });
      expect(xmlValue(get.text, 'Status')).toBe('Enabled');
      emu.admin.putObject('bucket-v', 'k', 'v');
      const del = await client.send({ method: 'DELETE', bucket: 'bucket-v' });
      expect(del.status).toBe(409);
      expect(code(del)).toBe('BucketNotEmpty');
      emu.admin.deleteObject('bucket-v', 'k');
      expect((await client.send({ method: 'DELETE', bucket: 'bucket-v' })).status).toBe(204);
      expect(
        code(await client.send({ method: 'GET', bucket: 'bucket-v', query: [['location', null]] })),
      ).toBe('NoSuchBucket');
    });

    it('puts, gets, heads and deletes objects with metadata', async () => {
      emu.admin.createBucket('bucket-o', 'cn-hangzhou');
      const put = await client.send({
        method: 'PUT',
        bucket: 'bucket-o',
        key: 'dir/a b+c.txt',
        headers: {
          'Content-Type': 'text/plain',
          'x-oss-meta-owner': 'alice',
          'Content-MD5': 'XUFAKrxLKna5cZ2REBfFkg==',
        },
        body: 'hello',
      });
      expect(put.status).toBe(200);
      expect(put.headers['etag']).toBe('"5D41402ABC4B2A76B9719D911017C592"');
      const get = await client.send({ method: 'GET', bucket: 'bucket-o', key: 'dir/a b+c.txt' });
      expect(get.text).toBe('hello');
      expect(get.headers['content-type']).toBe('text/plain');
      expect(get.headers['x-oss-meta-owner']).toBe('alice');
      const head = await client.send({ method: 'HEAD', bucket: 'bucket-o', key: 'dir/a b+c.txt' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('5');
      expect((await client.send({ method: 'DELETE', bucket: 'bucket-o', key: 'dir/a b+c.txt' })).status).toBe(
        204,
      );
      const gone = await client.send({ method: 'GET', bucket: 'bucket-o', key: 'dir/a b+c.txt' });
      expect(code(gone)).toBe('NoSuchKey');
      const headGone = await client.send({ method: 'HEAD', bucket: 'bucket-o', key: 'dir/a b+c.txt' });
      expect(headGone.status).toBe(404);
      expect(headGone.body.length).toBe(0);
      expect(Buffer.from(String(headGone.headers['x-oss-err']), 'base64').toString()).toContain(
        '<Code>NoSuchKey</Code>',
      );
    });

    it('lists objects with prefix, delimiter, max-keys and marker (V1) and continuation (V2)', async () => {
      emu.admin.createBucket('bucket-l', 'cn-hangzhou');
      for (const k of ['a/1', 'a/2', 'b/1', 'b/2', 'c', 'd']) {
        emu.admin.putObject('bucket-l', k, k);
      }
      const v1 = await client.send({
        method: 'GET',
        bucket: 'bucket-l',
        query: [
          ['delimiter', '/'],
          ['max-keys', '3'],
        ],
      });
      expect(xmlValues(v1.text, 'Prefix').slice(1)).toEqual(['a/', 'b/']);
      expect(xmlValues(v1.text, 'Key')).toEqual(['c']);
      expect(xmlValue(v1.text, 'IsTruncated')).toBe('true');
      const next = xmlValue(v1.text, 'NextMarker')!;
      const v1b = await client.send({
        method: 'GET',
        bucket: 'bucket-l',
        query: [
          ['delimiter', '/'],
          ['marker', next],
        ],
      });
      expect(xmlValues(v1b.text, 'Key')).toEqual(['d']);
      const pre = await client.send({ method: 'GET', bucket: 'bucket-l', query: [['prefix', 'b/']] });
      expect(xmlValues(pre.text, 'Key')).toEqual(['b/1', 'b/2']);

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
        const page = await client.send({ method: 'GET', bucket: 'bucket-l', query: q });
        keys.push(...xmlValues(page.text, 'Key'));
        token = xmlValue(page.text, 'NextContinuationToken');
      } while (token);
      expect(keys).toEqual(['a/1', 'a/2', 'b/1', 'b/2', 'c', 'd']);
      const bad = await client.send({ method: 'GET', bucket: 'bucket-l', query: [['max-keys', '5000']] });
      expect(code(bad)).toBe('InvalidArgument');
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

    async function put(body: string, bucket = 'src-bucket'): Promise<RawResponse> {
      return client.send({ method: 'POST', bucket, query: ADD, headers: XML, body });
    }

    it('serves GetBucketReplicationLocation with transfer-type and RTC constraints', async () => {
      const res = await client.send({
        method: 'GET',
        bucket: 'src-bucket',
        query: [['replicationLocation', null]],
      });
      expect(res.status).toBe(200);
      const locations = res.text.split('<LocationTransferTypeConstraint>')[0];
      expect(xmlValues(locations, 'Location')).toContain('oss-cn-beijing');
      expect(xmlValues(locations, 'Location')).not.toContain('oss-cn-hangzhou');
      expect(res.text).toContain(
        '<LocationTransferType><Location>oss-cn-hongkong</Location><TransferTypes><Type>oss_acc</Type></TransferTypes></LocationTransferType>',
      );
      expect(res.text).toMatch(
        /<LocationRTCConstraint>.*<Location>oss-cn-beijing<\/Location>.*<\/LocationRTCConstraint>/,
      );
    });

    it('returns the rule in GetBucketReplication with its fields, in OSS form', async () => {
      const res = await put(
        ruleBody({
          id: 'rule-1',
          prefixes: ['logs/', 'video/'],
          action: 'PUT',
          bucket: 'hk-bucket',
          location: 'oss-cn-hongkong',
          transferType: 'oss_acc',
          historical: 'disabled',
        }),
      );
      expect(res.status).toBe(200);
      const starting = await client.send({
        method: 'GET',
        bucket: 'src-bucket',
        query: [['replication', null]],
      });
      expect(xmlValue(starting.text, 'Status')).toBe('starting');
      emu.admin.tickReplication();
      const get = await client.send({ method: 'GET', bucket: 'src-bucket', query: [['replication', null]] });
      expect(get.text).toContain(
        '<Rule><ID>rule-1</ID><PrefixSet><Prefix>logs/</Prefix><Prefix>video/</Prefix></PrefixSet><Action>PUT</Action><Destination><Bucket>hk-bucket</Bucket><Location>oss-cn-hongkong</Location><TransferType>oss_acc</TransferType></Destination><Status>doing</Status><HistoricalObjectReplication>disabled</HistoricalObjectReplication></Rule>',
      );
    });

    it('rejects a body without the ReplicationConfiguration root with MalformedXML (EC 0031-00000001)', async () => {
      const res = await put(
        '<Rule><Destination><Bucket>dst-bucket</Bucket><Location>oss-cn-beijing</Location></Destination></Rule>',
      );
      expect(res.status).toBe(400);
      expect(code(res)).toBe('MalformedXML');
      expect(res.headers['x-oss-ec']).toBe('0031-00000001');
      expect(code(await put('<ReplicationConfiguration><Rule>'))).toBe('MalformedXML');
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
        [ruleBody({ ...dst, transferType: 'oss_acc' }), 'InvalidArgument'],
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
        [ruleBody({ ...dst, historical: 'maybe' as 'enabled' }), 'InvalidArgument'],
        [ruleBody({ ...dst, id: 'x'.repeat(256) }), 'InvalidArgument'],
      ];
      for (const [body, expected] of cases) {
        const res = await put(body);
        expect({ body, code: code(res), status: res.status }).toEqual({ body, code: expected, status: 400 });
      }
      const nobucket = await put(ruleBody(dst), 'nosuch-bucket');
      expect(nobucket.status).toBe(404);
      expect(code(nobucket)).toBe('NoSuchBucket');
    });

    it('refuses a second rule for the same destination with BucketReplicationAlreadyExist', async () => {
      expect(
        (await put(ruleBody({ bucket: 'dst-bucket', location: 'oss-cn-beijing', action: 'all' }))).status,
      ).toBe(200);
      const again = await put(ruleBody({ id: 'other', bucket: 'dst-bucket', location: 'oss-cn-beijing' }));
      expect(code(again)).toBe('BucketReplicationAlreadyExist');
      expect((await put(ruleBody({ bucket: 'same-region', location: 'oss-cn-hangzhou' }))).status).toBe(200);
    });

    it('refuses the 101st rule of a bucket with TooManyOutgoingReplication', async () => {
      for (let i = 0; i < 100; i++) {
        emu.admin.createBucket(`many-${i}`, 'cn-beijing');
        expect((await put(ruleBody({ bucket: `many-${i}`, location: 'oss-cn-beijing' }))).status).toBe(200);
      }
      emu.admin.createBucket('many-100', 'cn-beijing');
      expect(code(await put(ruleBody({ bucket: 'many-100', location: 'oss-cn-beijing' })))).toBe(
        'TooManyOutgoingReplication',
      );
    });

    it('answers the 404s of an unknown configuration or rule', async () => {
      expect(
        code(await client.send({ method: 'GET', bucket: 'src-bucket', query: [['replication', null]] })),
      ).toBe('NoSuchReplicationConfiguration');
      expect(
        code(
          await client.send({
            method: 'GET',
            bucket: 'src-bucket',
            query: [
              ['replicationProgress', null],
              ['rule-id', 'nope'],
            ],
          }),
        ),
      ).toBe('NoSuchReplicationConfiguration');
      await put(ruleBody({ id: 'r1', bucket: 'dst-bucket', location: 'oss-cn-beijing' }));
      const res = await client.send({
        method: 'GET',
        bucket: 'src-bucket',
        query: [
          ['replicationProgress', null],
          ['rule-id', 'nope'],
        ],
      });
      expect(res.status).toBe(404);
      expect(code(res)).toBe('NoSuchReplicationRule');
      expect(xmlValue(res.text, 'Message')).toMatch(
        /^The BucketReplicationRule you specified does not exist/,
      );
      const rtc = await client.send({
        method: 'PUT',
        bucket: 'src-bucket',
        query: [['rtc', null]],
        headers: XML,
        body: '<ReplicationRule><RTC><Status>enabled</Status></RTC><ID>nope</ID></ReplicationRule>',
      });
      expect(code(rtc)).toBe('NoSuchReplicationRule');
      const del = await client.send({
        method: 'POST',
        bucket: 'src-bucket',
        query: DEL,
        headers: XML,
        body: '<ReplicationRules><ID>nope</ID></ReplicationRules>',
      });
      expect(code(del)).toBe('NoSuchReplicationRule');
    });

    it('answers 200 when deleting from a bucket without rules, and TooManyReplicationRules for two IDs', async () => {
      const del = await client.send({
        method: 'POST',
        bucket: 'src-bucket',
        query: DEL,
        headers: XML,
        body: '<ReplicationRules><ID>r1</ID></ReplicationRules>',
      });
      expect(del.status).toBe(200);
      const two = await client.send({
        method: 'POST',
        bucket: 'src-bucket',
        query: DEL,
        headers: XML,
        body: '<ReplicationRules><ID>a</ID><ID>b</ID></ReplicationRules>',
      });
      expect(code(two)).toBe('TooManyReplicationRules');
    });

    it('switches RTC with PutBucketRTC and refuses it for a same-region rule', async () => {
      await put(ruleBody({ id: 'r1', bucket: 'dst-bucket', location: 'oss-cn-beijing' }));
      await put(ruleBody({ id: 'srr', bucket: 'same-region', location: 'oss-cn-hangzhou' }));
      const rtc = (id: string, status: string) =>
        client.send({
          method: 'PUT',
          bucket: 'src-bucket',
          query: [['rtc', '']],
          headers: XML,
          body: `<ReplicationRule><ID>${id}</ID><RTC><Status>${status}</Status></RTC></ReplicationRule>`,
        });
      expect((await rtc('r1', 'enabled')).status).toBe(200);
      expect(emu.admin.getRules('src-bucket').find((r) => r.id === 'r1')!.rtc).toBe('enabling');
      expect(code(await rtc('srr', 'enabled'))).toBe('BucketReplicationNotSupportRtc');
      expect(code(await rtc('r1', 'sometimes'))).toBe('InvalidArgument');
      expect((await rtc('r1', 'disabled')).status).toBe(200);
      expect(emu.admin.getRules('src-bucket').find((r) => r.id === 'r1')!.rtc).toBe('disabled');
    });
  });

  describe('replication engine', () => {
    it('replicates historical and new objects, deletes under ALL, reports progress and retires a deleted rule', async () => {
      await boot({
        replication: { objectsPerSecond: 400, tickMs: 5, startingMs: 30, closingMs: 60, rtcEnablingMs: 20 },
      });
      const beijing = client.with({ region: 'cn-beijing' });
      expect((await client.send({ method: 'PUT', bucket: 'scenario-src' })).status).toBe(200);
      expect((await beijing.send({ method: 'PUT', bucket: 'scenario-dst' })).status).toBe(200);
      for (let i = 0; i < 40; i++) {
        await client.send({
          method: 'PUT',
          bucket: 'scenario-src',
          key: `logs/${String(i).padStart(3, '0')}.log`,
          body: `line ${i}`,
        });
      }
      await client.send({
        method: 'PUT',
        bucket: 'scenario-src',
        key: 'private/secret.txt',
        body: 'not replicated',
      });

      const put = await client.send({
        method: 'POST',
        bucket: 'scenario-src',
        query: ADD,
        headers: XML,
        body: ruleBody({
          id: 'scenario',
          prefixes: ['logs/'],
          bucket: 'scenario-dst',
          location: 'oss-cn-beijing',
          historical: 'enabled',
          rtc: 'enabled',
        }),
      });
      expect(put.status).toBe(200);
      const first = await client.send({
        method: 'GET',
        bucket: 'scenario-src',
        query: [['replication', null]],
      });
      expect(xmlValue(first.text, 'Status')).toBe('starting');

      const progress = () =>
        client.send({
          method: 'GET',
          bucket: 'scenario-src',
          query: [
            ['replicationProgress', null],
            ['rule-id', 'scenario'],
          ],
        });
      const seen = new Set<string>();
      await eventually(async () => {
        const p = await progress();
        const h = xmlValue(p.text, 'HistoricalObject');
        if (h) {
          seen.add(h);
        }
        return h === '1.00' ? p : undefined;
      }, 'historical progress 1.00');
      expect([...seen].every((v) => /^[01]\.\d\d$/.test(v))).toBe(true);
      const dstKeys = () => emu.admin.listObjects('scenario-dst').map((o) => o.key);
      expect(dstKeys()).toHaveLength(40);
      expect(dstKeys()).not.toContain('private/secret.txt');
      expect(emu.admin.getObject('scenario-dst', 'logs/007.log')!.toString()).toBe('line 7');
      const p = await progress();
      expect(xmlValue(p.text, 'NewObject')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

      await eventually(async () => {
        const g = await client.send({
          method: 'GET',
          bucket: 'scenario-src',
          query: [['replication', null]],
        });
        return xmlValue(xmlValue(g.text, 'RTC') ?? '', 'Status') === 'enabled';
      }, 'RTC enabled');

      await client.send({ method: 'PUT', bucket: 'scenario-src', key: 'logs/new.log', body: 'fresh' });
      await eventually(
        () => Promise.resolve(emu.admin.getObject('scenario-dst', 'logs/new.log')?.toString() === 'fresh'),
        'new object copied',
      );
      expect(
        (await client.send({ method: 'DELETE', bucket: 'scenario-src', key: 'logs/003.log' })).status,
      ).toBe(204);
      await eventually(() => Promise.resolve(!dstKeys().includes('logs/003.log')), 'delete replicated');

      const del = () =>
        client.send({
          method: 'POST',
          bucket: 'scenario-src',
          query: DEL,
          headers: XML,
          body: '<ReplicationRules><ID>scenario</ID></ReplicationRules>',
        });
      expect((await del()).status).toBe(200);
      const closing = await client.send({
        method: 'GET',
        bucket: 'scenario-src',
        query: [['replication', null]],
      });
      expect(xmlValue(closing.text, 'Status')).toBe('closing');
      expect((await del()).status).toBe(204);
      await eventually(async () => {
        const g = await client.send({
          method: 'GET',
          bucket: 'scenario-src',
          query: [['replication', null]],
        });
        return code(g) === 'NoSuchReplicationConfiguration';
      }, 'rule gone');
      await client.send({ method: 'PUT', bucket: 'scenario-src', key: 'logs/after.log', body: 'late' });
      emu.admin.flushReplication();
      expect(dstKeys()).not.toContain('logs/after.log');
      expect(dstKeys()).toContain('logs/new.log');
    });

    it('does not chain replication (A→B, B→C does not carry A objects to C)', async () => {
      await boot();
      emu.admin.createBucket('chain-a', 'cn-hangzhou');
      emu.admin.createBucket('chain-b', 'cn-beijing');
      emu.admin.createBucket('chain-c', 'cn-shanghai');
      const add = (bucket: string, dest: string, location: string) =>
        client.send({
          method: 'POST',
          bucket,
          query: ADD,
          headers: XML,
          body: ruleBody({ bucket: dest, location }),
        });
      expect((await add('chain-a', 'chain-b', 'oss-cn-beijing')).status).toBe(200);
      expect((await add('chain-b', 'chain-c', 'oss-cn-shanghai')).status).toBe(200);
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
      await client.send({
        method: 'POST',
        bucket: 'put-src',
        query: ADD,
        headers: XML,
        body: ruleBody({ bucket: 'put-dst', location: 'oss-cn-beijing', action: 'PUT' }),
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
    const get = {
      method: 'GET',
      bucket: 'src-bucket',
      query: [['replicationLocation', null]] as QueryPair[],
    };
    const addFault = (spec: object) =>
      sendRaw(emu.url, {
        method: 'POST',
        path: '/__emulator/faults',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(spec),
      });

    it('injects an OSS error for the named operation only, count times', async () => {
      expect(
        (
          await addFault({
            operation: 'GetBucketReplicationLocation',
            status: 503,
            code: 'SlowDown',
            count: 2,
          })
        ).status,
      ).toBe(201);
      const first = await client.send(get);
      expect(first.status).toBe(503);
      expect(code(first)).toBe('SlowDown');
      expect(first.headers['x-oss-request-id']).toBeDefined();
      expect(
        (await client.send({ method: 'GET', bucket: 'src-bucket', query: [['location', null]] })).status,
      ).toBe(200);
      expect((await client.send(get)).status).toBe(503);
      expect((await client.send(get)).status).toBe(200);
    });

    it('resets the connection, serves a malformed body, and clears faults on DELETE', async () => {
      await addFault({ operation: '*', reset: true, count: 1 });
      await expect(client.send(get)).rejects.toThrow();
      await addFault({ malformedBody: true });
      const malformed = await client.send(get);
      expect(malformed.status).toBe(200);
      expect(malformed.text).not.toContain('</ReplicationConfiguration>');
      const list = await sendRaw(emu.url, { method: 'GET', path: '/__emulator/faults', headers: {} });
      expect(JSON.parse(list.text).faults).toHaveLength(1);
      expect(
        (await sendRaw(emu.url, { method: 'DELETE', path: '/__emulator/faults', headers: {} })).status,
      ).toBe(204);
      expect((await client.send(get)).status).toBe(200);
    });

    it('delays requests by latencyMs and validates fault specs', async () => {
      await addFault({ operation: 'GetBucketReplicationLocation', latencyMs: 30, count: 1 });
      const started = Date.now();
      expect((await client.send(get)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      const bad = await addFault({ errorRate: 2 });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text).error).toMatch(/errorRate/);
    });
  });
});
