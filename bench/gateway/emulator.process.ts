import { startEmulator } from '../../src/emulator/emulator-server.js';
import { seedDemoWithOwnClient } from '../../src/emulator/demo-seed.js';
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
  await seedDemoWithOwnClient(emulator);
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
  send({ type: 'ready', url: emulator.url, credentials: emulator.accessKeys[0] });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
