import { emulatorConfigFromEnv, EmulatorConfigError } from './config.js';
import { startEmulator } from './emulator-server.js';
import { toLocation } from './regions.js';

/** `npm run emulator`: starts the OSS emulator alone and prints endpoint, regions and credentials. */
async function main(): Promise<void> {
  let options;
  try {
    options = emulatorConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof EmulatorConfigError) {
      console.error(`Invalid emulator configuration: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const emulator = await startEmulator({
    ...options,
    logger: process.env.EMULATOR_LOG === 'off' ? undefined : (line) => console.log(line),
  });
  const lines = [
    `OSS emulator listening on ${emulator.url}`,
    `  default region: ${emulator.defaultRegion}`,
    `  regions: ${emulator.regions.map((r) => `${r.id} (${toLocation(r.id)})`).join(', ')}`,
    `  clock skew check: ${options.clockSkewSeconds === 'off' ? 'off' : `${options.clockSkewSeconds ?? 900}s`}`,
    `  persistence: ${options.dataDir ?? 'in memory'}`,
    `  fault injection: ${options.faults ? `on (${emulator.url}/__emulator/faults)` : 'off'}`,
    options.accessKeys
      ? '  credentials: from EMULATOR_ACCESS_KEYS (secrets not printed)'
      : '  demo credentials (emulator only, never valid on OSS):',
    ...emulator.accessKeys.map(
      (k) =>
        `    AccessKeyId=${k.accessKeyId}` +
        (options.accessKeys ? '' : ` AccessKeySecret=${k.accessKeySecret}`) +
        (k.securityToken ? ' SecurityToken=<configured>' : ''),
    ),
    `  path-style: ${emulator.url}/<bucket>/<key>; virtual-hosted: Host: <bucket>.oss-<region>.<any domain>`,
  ];
  console.log(lines.join('\n'));
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
