import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ossFixture } from '../../test/fixtures/oss/fixtures.js';
import { startLocalOssServer, type LocalOssServer } from '../../test/fixtures/oss/local-oss-server.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { OssClient } from '../oss/oss-client.js';
import type { OssCredentials } from '../oss/signer/types.js';
import { OssBucketRegionResolver } from './bucket-region-resolver.adapter.js';

const credentials: OssCredentials = {
  accessKeyId: 'LTAI5tExampleAccessKeyId',
  accessKeySecret: 'ExampleAccessKeySecret0123456789abcd',
};

describe(OssBucketRegionResolver.name, () => {
  let server: LocalOssServer;
  let client: OssClient;

  beforeAll(async () => {
    server = await startLocalOssServer({ credentials });
    client = new OssClient({
      region: 'cn-hangzhou',
      endpoint: server.endpoint,
      credentials,
      timeouts: { connectMs: 1000, requestMs: 2000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 2000 },
    });
  });

  afterEach(() => {
    server.received.length = 0;
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const failureOf = (run: () => unknown): Promise<unknown> =>
    Promise.resolve()
      .then(run)
      .catch((e: unknown) => e);

  it('remembers a missing bucket: asked again, it answers BucketNotFound without asking OSS', async () => {
    server.setRoute(() => ({ status: 404, body: ossFixture('Error', 'no-such-bucket.xml') }));
    const resolver = new OssBucketRegionResolver(client);
    expect(resolver.knownMissing('gone-1')).toBe(false);
    const first = await failureOf(() => resolver.locate('gone-1'));
    expect(first).toBeInstanceOf(DomainError);
    expect(first).toMatchObject({ code: ErrorCode.BucketNotFound });
    expect(resolver.knownMissing('gone-1')).toBe(true);
    const again = await failureOf(() => resolver.locate('gone-1'));
    expect(again).toMatchObject({ code: ErrorCode.BucketNotFound });
    expect(server.received).toHaveLength(1);
    // Another bucket is its own question.
    expect(resolver.knownMissing('gone-2')).toBe(false);
  });

  it('does not remember other failures', async () => {
    server.setRoute(() => ({ status: 503, body: '' }));
    const resolver = new OssBucketRegionResolver(client);
    const failure = await failureOf(() => resolver.locate('flaky'));
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).not.toMatchObject({ code: ErrorCode.BucketNotFound });
    expect(resolver.knownMissing('flaky')).toBe(false);
  });
});
