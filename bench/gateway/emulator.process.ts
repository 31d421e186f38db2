import { startEmulator } from '../../src/emulator/emulator-server.js';
import { seedDemo } from '../../src/emulator/demo-seed.js';
import { OssClient } from '../../src/oss/oss-client.js';
import type { ChildMessage, ParentMessage } from './messages.js';

/**
 * The OSS emulator of `npm run bench -- gateway`, alone in its process: the demo buckets and rule,
 * no clock-skew check (a pre-signed request stays valid for the whole run), and a count of the
 * requests it served per operation (from its one-line-per-request log), which the parent reads over IPC.
 */
async function main(): Promise<void> {
  const counts: Record<string, number> = {};
  const emulator = await startEmulator({
    port: 0,
    clockSkewSeconds: 'off',
    // Line format: `${method} ${path} ${operation} ${status} ${ms}ms ${requestId}`.
    logger: (line) => {
      const operation = line.split(' ')[2];
      if (operation !== undefined && !line.startsWith('emulator internal error')) {
        counts[operation] = (counts[operation] ?? 0) + 1;
      }
    },
  });
  const [credentials] = emulator.accessKeys;
  const client = new OssClient({
    region: emulator.defaultRegion,
    endpoint: emulator.url,
    addressing: 'path',
    credentials,
    timeouts: { connectMs: 5000, requestMs: 30_000 },
    retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100, totalBudgetMs: 30_000 },
  });
  try {
    await seedDemo(emulator, client);
  } finally {
    await client.close();
  }
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'counts') {
      send({ type: 'counts', counts: { ...counts } });
    } else if (message.type === 'stop') {
      void emulator.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', url: emulator.url, credentials });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
