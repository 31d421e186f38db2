import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ossFixture } from '../../test/fixtures/oss/fixtures.js';
import {
  errorXml,
  startLocalOssServer,
  type LocalOssServer,
} from '../../test/fixtures/oss/local-oss-server.js';
import { OssClientError, OssServiceError } from './errors.js';
import { OssClient, type OssClientOptions } from './oss-client.js';
import type { OssCredentials } from './signer/types.js';

const credentials: OssCredentials = {
  accessKeyId: 'LTAI5tExampleAccessKeyId',
  accessKeySecret: 'ExampleAccessKeySecret0123456789abcd',
};
const SERVER_EPOCH = Date.UTC(2025, 3, 17, 15, 39, 12);

describe(OssClient.name, () => {
  let server: LocalOssServer;
  let serverNow = SERVER_EPOCH;
  const clients: OssClient[] = [];

  beforeAll(async () => {
    server = await startLocalOssServer({ credentials, now: () => new Date(serverNow) });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    server.received.length = 0;
    server.refused.length = 0;
    serverNow = SERVER_EPOCH;
  });

  afterAll(async () => {
    await server.close();
  });

  /** A client whose clock starts at the server's time and advances 1 s per back-off sleep. */
  function client(overrides: Partial<OssClientOptions> = {}) {
    let clientNow = SERVER_EPOCH;
    const sleeps: number[] = [];
    const c = new OssClient({
      region: 'cn-hangzhou',
      endpoint: server.endpoint,
      credentials,
      timeouts: { connectMs: 1000, requestMs: 2000 },
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 4000, totalBudgetMs: 60_000 },
      clock: () => new Date(clientNow),
      random: () => 1,
      sleep: (ms) => {
        sleeps.push(ms);
        clientNow += ms;
        serverNow += ms;
        return Promise.resolve();
      },
      generateRuleId: () => 'generated-rule-id',
      ...overrides,
    });
    clients.push(c);
    return { client: c, sleeps, setClientNow: (ms: number) => (clientNow = ms) };
  }

  it('creates a rule with a generated id, sending a signed, MD5-checked body', async () => {
    const { client: c } = client();
    const out = await c.putBucketReplication('examplebucket', {
      destination: { bucket: 'destbucket', location: 'oss-cn-beijing' },
    });
    expect(out.ruleId).toBe('generated-rule-id');
    expect(out.requestId).toMatch(/^LOCAL/);
    const [req] = server.received;
    expect(req).toMatchObject({ method: 'POST', bucket: 'examplebucket', signatureVersion: 'v4' });
    expect(req.query).toEqual([
      ['replication', null],
      ['comp', 'add'],
    ]);
    expect(req.body).toContain('<ID>generated-rule-id</ID>');
    expect(req.headers['content-md5']).toBeDefined();
    expect(req.headers['user-agent']).toBe('oss-replication-gateway/0.1');
  });

  it('signs every attempt afresh while retrying a 503 and a connection reset', async () => {
    const { client: c, sleeps } = client();
    let calls = 0;
    server.setRoute(() => {
      calls += 1;
      if (calls === 1) {
        return { status: 503, body: errorXml('ServiceUnavailable', 'busy') };
      }
      if (calls === 2) {
        return 'reset';
      }
      return { status: 200, body: ossFixture('GetBucketReplication', 'response.xml') };
    });
    const out = await c.getBucketReplication('examplebucket');
    expect(out.rules[0].id).toBe('test_replication_1');
    expect(server.received).toHaveLength(3);
    const dates = server.received.map((r) => r.headers['x-oss-date']);
    expect(new Set(dates).size).toBe(3);
    expect(new Set(server.received.map((r) => r.headers['authorization'])).size).toBe(3);
    // The 503 backs off as throttling (half jitter over 5 × the base, capped at 4 s); the reset as usual.
    expect(sleeps).toEqual([4000, 2000]);
  });

  it('corrects its clock after RequestTimeTooSkewed and succeeds on the next attempt', async () => {
    const { client: c, setClientNow } = client();
    setClientNow(SERVER_EPOCH - 3_600_000); // one hour behind the server
    server.setRoute(() => ({
      status: 200,
      body: ossFixture('GetBucketReplicationLocation', 'response.xml'),
    }));
    const out = await c.getBucketReplicationLocation('examplebucket');
    expect(out.locations).toContain('oss-cn-beijing');
    expect(server.refused).toEqual(['RequestTimeTooSkewed']);
    expect(c.clockOffsetMs).toBe(3_600_000);
  });

  it('surfaces a missing configuration as OssServiceError NoSuchReplicationConfiguration', async () => {
    const { client: c } = client();
    server.setRoute(() => ({
      status: 404,
      body: ossFixture('GetBucketReplication', 'error-no-configuration.xml'),
    }));
    const error = await c.getBucketReplication('examplebucket').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssServiceError);
    expect(error).toMatchObject({ status: 404, code: 'NoSuchReplicationConfiguration', fault: 'client' });
    expect(server.received).toHaveLength(1);
  });

  it('times out a hanging attempt and retries it', async () => {
    const { client: c } = client({ timeouts: { connectMs: 1000, requestMs: 100 } });
    let calls = 0;
    server.setRoute(() => {
      calls += 1;
      return calls === 1 ? 'hang' : { status: 200 };
    });
    await expect(c.putBucketRtc('examplebucket', 'rule-1', true)).resolves.toMatchObject({
      requestId: /LOCAL/,
    });
    expect(calls).toBe(2);
  });

  it('fails with Timeout after the last attempt times out', async () => {
    const { client: c } = client({
      timeouts: { connectMs: 1000, requestMs: 50 },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 60_000 },
    });
    server.setRoute(() => 'hang');
    await expect(c.getBucketReplication('examplebucket')).rejects.toMatchObject({ code: 'Timeout' });
    expect(server.received).toHaveLength(2);
  });

  it('aborts an in-flight request without retrying it', async () => {
    const { client: c } = client();
    const controller = new AbortController();
    server.setRoute(() => {
      setImmediate(() => controller.abort());
      return 'hang';
    });
    const error = await c
      .getBucketReplication('examplebucket', { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssClientError);
    expect(error).toMatchObject({ code: 'Aborted' });
    expect(server.received).toHaveLength(1);
  });

  it('caches bucket locations and shares concurrent lookups', async () => {
    const { client: c } = client();
    server.setRoute(() => ({ status: 200, body: ossFixture('GetBucketLocation', 'response.xml') }));
    const [a, b] = await Promise.all([
      c.resolveBucketRegion('examplebucket'),
      c.getBucketLocation('examplebucket'),
    ]);
    expect(a).toBe('cn-hangzhou');
    expect(b.location).toBe('oss-cn-hangzhou');
    await c.resolveBucketRegion('examplebucket');
    expect(server.received).toHaveLength(1);
    c.forgetBucketLocation('examplebucket');
    await c.resolveBucketRegion('examplebucket');
    expect(server.received).toHaveLength(2);
  });

  it('reads a cached bucket location without a request, and nothing before the lookup or after the TTL', async () => {
    const { client: c, setClientNow } = client({ locationCacheTtlMs: 1000 });
    server.setRoute(() => ({ status: 200, body: ossFixture('GetBucketLocation', 'response.xml') }));
    expect(c.cachedBucketLocation('examplebucket')).toBeUndefined();
    expect(c.cachedBucketRegion('examplebucket')).toBeUndefined();
    await c.getBucketLocation('examplebucket');
    expect(c.cachedBucketLocation('examplebucket')?.location).toBe('oss-cn-hangzhou');
    expect(c.cachedBucketRegion('examplebucket')).toBe('cn-hangzhou');
    expect(server.received).toHaveLength(1);
    setClientNow(SERVER_EPOCH + 2000);
    expect(c.cachedBucketRegion('examplebucket')).toBeUndefined();
  });

  it('expires cached locations after the TTL', async () => {
    const { client: c, setClientNow } = client({ locationCacheTtlMs: 1000 });
    server.setRoute(() => ({ status: 200, body: ossFixture('GetBucketLocation', 'response.xml') }));
    await c.getBucketLocation('examplebucket');
    setClientNow(SERVER_EPOCH + 2000);
    await c.getBucketLocation('examplebucket');
    expect(server.received).toHaveLength(2);
  });

  it('signs for the region the caller names', async () => {
    const { client: c } = client();
    await c.getBucketReplication('examplebucket', { region: 'oss-cn-beijing' }).catch(() => undefined);
    expect(server.received[0].headers['authorization']).toContain('/cn-beijing/oss/aliyun_v4_request');
  });

  it('signs with V1 and STS credentials when configured', async () => {
    const sts = { ...credentials, securityToken: 'CAIS.token' };
    const stsServer = await startLocalOssServer({ credentials: sts, now: () => new Date(SERVER_EPOCH) });
    try {
      const { client: c } = client({
        endpoint: stsServer.endpoint,
        credentials: () => Promise.resolve(sts),
        signatureVersion: 'v1',
      });
      stsServer.setRoute(() => ({ status: 200 }));
      await c.deleteBucketReplication('examplebucket', 'rule-1');
      expect(stsServer.received[0]).toMatchObject({ signatureVersion: 'v1' });
      expect(stsServer.received[0].headers['x-oss-security-token']).toBe('CAIS.token');
      expect(stsServer.received[0].headers['authorization']).toMatch(/^OSS LTAI5tExampleAccessKeyId:/);
    } finally {
      await stsServer.close();
    }
  });

  it('refuses invalid bucket names without sending anything', async () => {
    const { client: c } = client();
    await expect(c.getBucketReplication('Bad_Bucket')).rejects.toMatchObject({ code: 'InvalidBucketName' });
    expect(server.received).toHaveLength(0);
  });

  it('reports a failing credentials provider without retrying or leaking it', async () => {
    const { client: c } = client({
      credentials: () => {
        throw new Error('vault unreachable');
      },
    });
    await expect(c.getBucketReplication('examplebucket')).rejects.toMatchObject({ code: 'CredentialsError' });
    expect(server.received).toHaveLength(0);
  });

  it('sends generic signed requests with a query record, key and body', async () => {
    const { client: c } = client();
    server.setRoute((req) => ({ status: 200, headers: { etag: '"x"' }, body: `${req.key}|${req.body}` }));
    const res = await c.request({
      method: 'put',
      bucket: 'examplebucket',
      key: 'dir/a b+c.txt',
      query: { 'x-oss-meta': null },
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe('"x"');
    expect(res.body.toString()).toBe('dir/a b+c.txt|hello');
    expect(res.requestId).toMatch(/^LOCAL/);
  });
});
