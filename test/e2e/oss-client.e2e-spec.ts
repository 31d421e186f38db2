/**
 * End to end: every OssClient operation over a real socket, against a small in-test OSS stand-in
 * that verifies V4/V1 signatures and Content-MD5 and keeps replication rules in memory.
 * (The embedded emulator in src/emulator is the fuller counterpart.)
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssServiceError } from '../../src/oss/errors.js';
import { OssClient } from '../../src/oss/oss-client.js';
import type { SignatureVersion } from '../../src/oss/signer/signer.js';
import { buildXml, childElement, childText, childTexts, parseXml } from '../../src/oss/xml/xml-codec.js';
import type { XmlBuildObject } from '../../src/oss/xml/xml-codec.js';
import { errorXml, startLocalOssServer } from '../fixtures/oss/local-oss-server.js';
import type { LocalOssServer, ReceivedRequest, Reply } from '../fixtures/oss/local-oss-server.js';

const credentials = {
  accessKeyId: 'LTAI5tE2EAccessKeyId',
  accessKeySecret: 'E2EAccessKeySecret0123456789abcdef',
};

interface StoredRule {
  xml: XmlBuildObject;
  status: 'starting' | 'doing' | 'closing';
}

/** In-memory replication state of the stand-in, keyed by bucket. */
function replicationRoute(): (req: ReceivedRequest) => Reply {
  const rules = new Map<string, Map<string, StoredRule>>();
  const has = (req: ReceivedRequest, key: string) => req.query.some(([k]) => k === key);
  const value = (req: ReceivedRequest, key: string) => req.query.find(([k]) => k === key)?.[1] ?? undefined;

  return (req) => {
    if (req.body) {
      const md5 = createHash('md5').update(req.body).digest('base64');
      if (req.headers['content-md5'] !== md5 || req.headers['content-type'] !== 'application/xml') {
        return { status: 400, body: errorXml('InvalidDigest', 'Content-MD5 does not match') };
      }
    }
    const bucket = req.bucket!;
    const bucketRules = rules.get(bucket) ?? new Map<string, StoredRule>();
    rules.set(bucket, bucketRules);

    if (req.method === 'GET' && has(req, 'location')) {
      return {
        status: 200,
        body: buildXml('LocationConstraint', 'oss-cn-hangzhou'),
      };
    }
    if (req.method === 'POST' && has(req, 'replication') && value(req, 'comp') === 'add') {
      const rule = childElement(parseXml(req.body, 'ReplicationConfiguration'), 'Rule')!;
      const id = childText(rule, 'ID')!;
      const dest = childElement(rule, 'Destination')!;
      bucketRules.set(id, {
        status: 'starting',
        xml: {
          ID: id,
          PrefixSet: { Prefix: childTexts(childElement(rule, 'PrefixSet'), 'Prefix') },
          Action: childText(rule, 'Action'),
          Destination: {
            Bucket: childText(dest, 'Bucket'),
            Location: childText(dest, 'Location'),
            TransferType: childText(dest, 'TransferType'),
          },
          HistoricalObjectReplication: childText(rule, 'HistoricalObjectReplication'),
          RTC: { Status: childText(childElement(rule, 'RTC'), 'Status') ?? 'disabled' },
        },
      });
      return { status: 200, headers: { 'x-oss-replication-rule-id': id } };
    }
    if (req.method === 'GET' && has(req, 'replication')) {
      if (bucketRules.size === 0) {
        return {
          status: 404,
          body: errorXml(
            'NoSuchReplicationConfiguration',
            'The bucket you specified does not have replication configuration.',
          ),
        };
      }
      const rendered = [...bucketRules.values()].map((r) => ({ ...r.xml, Status: r.status }));
      for (const r of bucketRules.values()) {
        if (r.status === 'starting') {
          r.status = 'doing';
        }
      }
      return { status: 200, body: buildXml('ReplicationConfiguration', { Rule: rendered }) };
    }
    if (req.method === 'PUT' && has(req, 'rtc')) {
      const root = parseXml(req.body, 'ReplicationRule');
      const stored = bucketRules.get(childText(root, 'ID') ?? '');
      if (!stored) {
        return {
          status: 404,
          body: errorXml('NoSuchReplicationRule', 'The BucketReplicationRule you specified does not exist'),
        };
      }
      const enabled = childText(childElement(root, 'RTC'), 'Status') === 'enabled';
      stored.xml['RTC'] = { Status: enabled ? 'enabling' : 'disabled' };
      return { status: 200 };
    }
    if (req.method === 'GET' && has(req, 'replicationLocation')) {
      return {
        status: 200,
        body: buildXml('ReplicationLocation', {
          Location: ['oss-cn-beijing', 'oss-us-west-1'],
          LocationTransferTypeConstraint: {
            LocationTransferType: { Location: 'oss-us-west-1', TransferTypes: { Type: 'oss_acc' } },
          },
          LocationRTCConstraint: { Location: 'oss-cn-beijing' },
        }),
      };
    }
    if (req.method === 'GET' && has(req, 'replicationProgress')) {
      const stored = bucketRules.get(value(req, 'rule-id') ?? '');
      if (!stored) {
        return {
          status: 404,
          body: errorXml('NoSuchReplicationRule', 'The BucketReplicationRule you specified does not exist'),
        };
      }
      return {
        status: 200,
        body: buildXml('ReplicationProgress', {
          Rule: {
            ...stored.xml,
            Status: 'doing',
            Progress: { HistoricalObject: '0.5', NewObject: '2025-04-17T15:00:00.000Z' },
          },
        }),
      };
    }
    if (req.method === 'POST' && has(req, 'replication') && value(req, 'comp') === 'delete') {
      const id = childText(parseXml(req.body, 'ReplicationRules'), 'ID') ?? '';
      const stored = bucketRules.get(id);
      if (stored?.status === 'closing') {
        return { status: 204 };
      }
      if (stored) {
        stored.status = 'closing';
      }
      return { status: 200 };
    }
    return { status: 400, body: errorXml('InvalidRequest', 'Unsupported by the e2e stand-in') };
  };
}

describe.each<SignatureVersion>(['v4', 'v1'])('OssClient end to end (%s)', (signatureVersion) => {
  let server: LocalOssServer;
  let client: OssClient;

  beforeAll(async () => {
    server = await startLocalOssServer({ credentials });
    server.setRoute(replicationRoute());
    client = new OssClient({
      region: 'oss-cn-hangzhou',
      endpoint: server.endpoint,
      credentials,
      signatureVersion,
      timeouts: { connectMs: 2000, requestMs: 5000 },
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, totalBudgetMs: 10_000 },
    });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('manages a replication rule through its whole life cycle', async () => {
    const missing = await client.getBucketReplication('src-bucket').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OssServiceError);
    expect(missing).toMatchObject({ code: 'NoSuchReplicationConfiguration', status: 404 });

    const created = await client.putBucketReplication('src-bucket', {
      id: 'rule-e2e',
      prefixes: ['logs/', 'a&b <c>'],
      action: 'PUT',
      destination: { bucket: 'dst-bucket', location: 'cn-beijing' },
      rtc: { enabled: false },
    });
    expect(created.ruleId).toBe('rule-e2e');
    expect(created.requestId).not.toBe('');

    const listed = await client.getBucketReplication('src-bucket');
    expect(listed.rules).toEqual([
      {
        id: 'rule-e2e',
        status: 'starting',
        prefixes: ['logs/', 'a&b <c>'],
        action: 'PUT',
        destination: { bucket: 'dst-bucket', location: 'oss-cn-beijing', transferType: 'internal' },
        historicalObjectReplication: true,
        rtc: { status: 'disabled' },
      },
    ]);

    await expect(client.putBucketRtc('src-bucket', 'rule-e2e', true)).resolves.toHaveProperty('requestId');
    const afterRtc = await client.getBucketReplication('src-bucket');
    expect(afterRtc.rules[0]).toMatchObject({ status: 'doing', rtc: { status: 'enabling' } });

    const progress = await client.getBucketReplicationProgress('src-bucket', 'rule-e2e');
    expect(progress.historicalObjectProgress).toBe(0.5);
    expect(progress.newObjectsReplicatedUntil).toEqual(new Date('2025-04-17T15:00:00.000Z'));
    expect(progress.rule.id).toBe('rule-e2e');

    const locations = await client.getBucketReplicationLocation('src-bucket');
    expect(locations).toMatchObject({
      locations: ['oss-cn-beijing', 'oss-us-west-1'],
      transferTypeConstraints: [{ location: 'oss-us-west-1', transferTypes: ['oss_acc'] }],
      rtcLocations: ['oss-cn-beijing'],
    });

    expect(await client.deleteBucketReplication('src-bucket', 'rule-e2e')).toMatchObject({
      alreadyClosing: false,
    });
    expect(await client.deleteBucketReplication('src-bucket', 'rule-e2e')).toMatchObject({
      alreadyClosing: true,
    });
    expect((await client.getBucketReplication('src-bucket')).rules[0].status).toBe('closing');

    expect(await client.resolveBucketRegion('src-bucket')).toBe('cn-hangzhou');

    const unknown = await client.getBucketReplicationProgress('src-bucket', 'nope').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'NoSuchReplicationRule', status: 404 });

    expect(server.refused).toEqual([]);
    expect(server.received.every((r) => r.signatureVersion === signatureVersion)).toBe(true);
  });
});
