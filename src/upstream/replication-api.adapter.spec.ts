import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ossFixture } from '../../test/fixtures/oss/fixtures.js';
import { startLocalOssServer, type LocalOssServer } from '../../test/fixtures/oss/local-oss-server.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { OssClient } from '../oss/oss-client.js';
import type { OssCredentials } from '../oss/signer/types.js';
import { OssReplicationApi } from './replication-api.adapter.js';

const credentials: OssCredentials = {
  accessKeyId: 'LTAI5tExampleAccessKeyId',
  accessKeySecret: 'ExampleAccessKeySecret0123456789abcd',
};

describe(OssReplicationApi.name, () => {
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

  describe('getProgress', () => {
    it('asks for one rule by rule-id and takes that rule from the answer', async () => {
      server.setRoute(() => ({
        status: 200,
        body: ossFixture('GetBucketReplicationProgress', 'response-two-rules.xml'),
      }));
      const { progress } = await new OssReplicationApi(client).getProgress('src', 'to-hongkong');
      expect(server.received[0].query).toEqual([
        ['replicationProgress', null],
        ['rule-id', 'to-hongkong'],
      ]);
      expect(progress).toMatchObject({ ruleId: 'to-hongkong', status: 'starting' });
    });

    it('reports an answer without the rule as rule not found, not as a malformed response', async () => {
      server.setRoute(() => ({ status: 200, body: '<ReplicationProgress/>' }));
      const failure = await new OssReplicationApi(client).getProgress('src', 'r1').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DomainError);
      expect(failure).toMatchObject({ code: ErrorCode.ReplicationRuleNotFound });
    });
  });

  describe('errors at the port', () => {
    it('throws OSS refusals as domain errors that keep what OSS answered', async () => {
      server.setRoute(() => ({ status: 404, body: ossFixture('Error', 'no-such-bucket.xml') }));
      const failure = await new OssReplicationApi(client).listRules('gone').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DomainError);
      expect(failure).toMatchObject({
        code: ErrorCode.BucketNotFound,
        details: { oss: { code: 'NoSuchBucket', status: 404 } },
      });
    });

    it('throws an answer it cannot map as a domain error, not as an OSS client error', async () => {
      const unknownStatus = ossFixture('GetBucketReplicationProgress', 'response.xml').replace(
        /<Status>[a-z]+<\/Status>/,
        '<Status>paused</Status>',
      );
      server.setRoute(() => ({ status: 200, body: unknownStatus }));
      const failure = await new OssReplicationApi(client)
        .getProgress('src', 'test_replication_1')
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DomainError);
      expect(failure).toMatchObject({
        code: ErrorCode.UpstreamError,
        details: { oss: { code: 'MalformedResponse' } },
      });
    });
  });
});
