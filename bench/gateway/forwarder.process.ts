import Fastify from 'fastify';
import { Pool } from 'undici';
import type { OssCredentialsConfig } from '../../src/config/app.config.js';
import { encodeQuery } from '../../src/oss/endpoint.js';
import { GetBucketReplication } from '../../src/oss/operations/bucket-replication.js';
import { GetBucketReplicationProgress } from '../../src/oss/operations/bucket-replication-progress.js';
import type { OssOperation } from '../../src/oss/operations/operation.js';
import { signV4Header } from '../../src/oss/signer/v4.js';
import type { ChildMessage, ParentMessage } from './messages.js';

/**
 * The baseline: the least a forwarder must do — a plain Fastify route that serializes the OSS
 * operation, signs it with our V4 signer, sends it with undici, reads the answer with our codec and
 * answers JSON. No authentication, authorization, validation, audit, metrics, logging or error mapping.
 * Alone in its process; `FORWARDER_EMULATOR_URL` and `FORWARDER_CREDENTIALS` (JSON) say where to.
 */
async function main(): Promise<void> {
  const emulatorUrl = process.env.FORWARDER_EMULATOR_URL!;
  const credentials = JSON.parse(process.env.FORWARDER_CREDENTIALS!) as OssCredentialsConfig;
  const upstream = new Pool(emulatorUrl, { connections: 64, pipelining: 1 });
  const host = new URL(emulatorUrl).host;

  async function forward<I, O>(operation: OssOperation<I, O>, input: I): Promise<O | { status: number }> {
    const spec = operation.serialize(input);
    const headers: Record<string, string> = { ...spec.headers, host };
    signV4Header(
      { method: spec.method, bucket: spec.bucket, query: spec.query, headers },
      { credentials, region: 'cn-hangzhou', now: new Date() },
    );
    const res = await upstream.request({
      method: spec.method,
      path: `/${spec.bucket}/?${encodeQuery(spec.query)}`,
      headers,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) {
      return { status: res.statusCode };
    }
    return operation.deserialize({ status: res.statusCode, headers: {}, body }, input);
  }

  const app = Fastify({ logger: false });
  app.get<{ Params: { bucket: string } }>('/v1/buckets/:bucket/replication/rules', async (req, reply) => {
    const out = await forward(GetBucketReplication, { bucket: req.params.bucket });
    return 'rules' in out ? { rules: out.rules } : reply.code(502).send(out);
  });
  app.get<{ Params: { bucket: string; ruleId: string } }>(
    '/v1/buckets/:bucket/replication/rules/:ruleId/progress',
    async (req, reply) => {
      const { bucket, ruleId } = req.params;
      const out = await forward(GetBucketReplicationProgress, { bucket, ruleId });
      return 'rules' in out && out.rules[0] ? out.rules[0] : reply.code(502).send(out);
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void app
        .close()
        .then(() => upstream.close())
        .then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` } satisfies ChildMessage);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
