import { buildEmulatorConfig } from '../config/emulator.config.js';
import { createBucketIfMissing, DEMO_BUCKETS, seedDemoWithOwnClient } from './demo-seed.js';
import { startEmulator, type Emulator } from './emulator-server.js';
import { toLocation } from './regions.js';

/**
 * `npm run emulator` without the process around it: reads `EMULATOR_*` from `env`, starts the
 * emulator, seeds what EMULATOR_SEED / EMULATOR_BUCKETS ask for and writes the banner to `print`.
 * @throws ConfigValidationError naming every invalid variable (before anything is started).
 */
export async function startStandaloneEmulator(
  env: Record<string, string | undefined>,
  print: (text: string) => void,
): Promise<Emulator> {
  const { options, seed, log } = buildEmulatorConfig(env);
  const emulator = await startEmulator({ ...options, ...(log ? { logger: print } : {}) });
  const seeded: string[] = [];
  try {
    if (seed.demo) {
      await seedDemoWithOwnClient(emulator);
      seeded.push(...DEMO_BUCKETS.map((b) => `${b.name} (${b.region})`));
    }
    for (const b of seed.buckets) {
      createBucketIfMissing(emulator, b.name, b.region);
      seeded.push(`${b.name} (${b.region})`);
    }
  } catch (error) {
    await emulator.close();
    throw error;
  }
  print(
    [
      `OSS emulator listening on ${emulator.url}`,
      `  default region: ${emulator.defaultRegion}`,
      `  regions: ${emulator.regions.map((r) => `${r.id} (${toLocation(r.id)})`).join(', ')}`,
      `  clock skew check: ${options.clockSkewSeconds === 'off' ? 'off' : `${options.clockSkewSeconds ?? 900}s`}`,
      `  persistence: ${options.dataDir ?? 'in memory'}`,
      `  fault injection: ${options.faults ? `on (${emulator.url}/__emulator/faults, ${emulator.url}/__emulator/clock)` : 'off'}`,
      `  buckets seeded: ${seeded.length > 0 ? seeded.join(', ') : 'none (EMULATOR_SEED=demo or EMULATOR_BUCKETS=name:region,…)'}`,
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
    ].join('\n'),
  );
  return emulator;
}
