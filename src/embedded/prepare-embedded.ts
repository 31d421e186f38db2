import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../config/app.config.js';
import { emulatorConfigFromEnv } from '../emulator/config.js';
import { startEmulator, type Emulator } from '../emulator/emulator-server.js';
import { OssError } from '../emulator/errors.js';
import type { EmulatorOptions } from '../emulator/options.js';
import { isOssServiceError } from '../oss/errors.js';
import { OssClient } from '../oss/oss-client.js';
import { DEMO_CALLERS, demoPrincipalsYaml, type DemoCaller } from './demo-principals.js';

/** The demo buckets: one per region, so cross-region replication can be tried at once. */
export const DEMO_BUCKETS = Object.freeze([
  { name: 'demo-source', region: 'cn-hangzhou' },
  { name: 'demo-replica', region: 'cn-beijing' },
  { name: 'demo-archive', region: 'cn-shanghai' },
] as const);

/** The seeded rule: demo-source → demo-replica, historical replication under way at start-up. */
export const DEMO_RULE = Object.freeze({
  id: 'demo-logs-and-images-to-beijing',
  prefixes: ['logs/', 'images/'],
  action: 'ALL' as const,
  destination: { bucket: 'demo-replica', location: 'oss-cn-beijing', transferType: 'internal' as const },
  historicalObjectReplication: true,
});

/** Objects seeded into demo-source: `logs/…` and `images/…` (replicated) plus `reports/…` (not). */
export const DEMO_OBJECT_COUNTS = Object.freeze({ logs: 400, images: 200, reports: 20 });

/**
 * Replication rate of the embedded emulator unless `EMULATOR_REPLICATION_OBJECTS_PER_SECOND` is set:
 * slow enough that the seeded rule's historical progress visibly moves for about a minute.
 */
export const DEMO_OBJECTS_PER_SECOND = 10;

export interface PrepareEmbeddedOptions {
  /** Overrides of the emulator options taken from `EMULATOR_*` (tests: `{ port: 0, replication: { tickMs: 0 } }`). */
  emulator?: Partial<EmulatorOptions>;
  /** Seed demo objects and the demo rule (default true). */
  seed?: boolean;
}

export interface EmbeddedEnvironment {
  emulator: Emulator;
  /** The demo principals file (in a fresh temporary directory, removed by `close()`). */
  principalsFile: string;
  callers: readonly DemoCaller[];
  ruleId: string;
  /** Stops the emulator and removes the demo principals file. */
  close(): Promise<void>;
}

/** Raised when the embedded environment cannot start (port taken, bad EMULATOR_* value). */
export class EmbeddedStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedStartError';
  }
}

function emulatorOptions(config: AppConfig, overrides: Partial<EmulatorOptions> = {}): EmulatorOptions {
  const fromEnv = emulatorConfigFromEnv(config.rawEnv);
  return {
    ...fromEnv,
    ...overrides,
    replication: {
      objectsPerSecond: DEMO_OBJECTS_PER_SECOND,
      ...fromEnv.replication,
      ...overrides.replication,
    },
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Deterministic demo objects (small text bodies; "images" are tiny placeholder payloads). */
export function demoObjects(): Array<{ key: string; body: string; contentType: string }> {
  const out: Array<{ key: string; body: string; contentType: string }> = [];
  for (let i = 0; i < DEMO_OBJECT_COUNTS.logs; i += 1) {
    const day = pad(1 + (i % 28), 2);
    out.push({
      key: `logs/2024-03-${day}/app-${pad(i, 4)}.log`,
      body: `2024-03-${day}T10:${pad(i % 60, 2)}:00Z INFO request ${i} served in ${(i * 7) % 250} ms\n`,
      contentType: 'text/plain',
    });
  }
  for (let i = 0; i < DEMO_OBJECT_COUNTS.images; i += 1) {
    out.push({
      key: `images/catalog/item-${pad(i, 4)}.png`,
      body: `demo image placeholder ${i}`,
      contentType: 'image/png',
    });
  }
  for (let i = 0; i < DEMO_OBJECT_COUNTS.reports; i += 1) {
    out.push({
      key: `reports/2024/q${1 + (i % 4)}-${pad(i, 2)}.csv`,
      body: `region,bytes\ncn-hangzhou,${i * 1024}\n`,
      contentType: 'text/csv',
    });
  }
  return out;
}

function createBucketIfMissing(emulator: Emulator, name: string, region: string): boolean {
  try {
    emulator.admin.createBucket(name, region);
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) {
      return false;
    }
    throw error;
  }
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof OssError && error.code === 'BucketAlreadyExists';
}

/** Seeds buckets, objects and the demo rule; idempotent when the emulator keeps state in EMULATOR_DATA_DIR. */
async function seed(emulator: Emulator, config: AppConfig): Promise<void> {
  const created = DEMO_BUCKETS.map((b) => createBucketIfMissing(emulator, b.name, b.region));
  if (created[0]) {
    for (const o of demoObjects()) {
      emulator.admin.putObject('demo-source', o.key, o.body, o.contentType);
    }
  }
  if (emulator.admin.getRules('demo-source').some((r) => r.id === DEMO_RULE.id)) {
    return;
  }
  // The rule goes in the way every other call does: signed, over HTTP, through our OSS client.
  const client = new OssClient({
    region: 'cn-hangzhou',
    endpoint: emulator.url,
    addressing: 'path',
    credentials: config.oss.credentials!,
    signatureVersion: config.oss.signatureVersion,
    timeouts: config.oss.timeouts,
    retry: config.oss.retry,
  });
  try {
    await client.putBucketReplication('demo-source', {
      ...DEMO_RULE,
      prefixes: [...DEMO_RULE.prefixes],
      destination: { ...DEMO_RULE.destination },
    });
  } catch (error) {
    if (!isOssServiceError(error)) {
      throw error;
    }
    throw new EmbeddedStartError(`seeding the demo rule failed: ${error.code} ${error.message}`, {
      cause: error,
    });
  } finally {
    await client.close();
  }
}

/**
 * The embedded default (DESIGN.md §6): starts the OSS emulator in-process on EMULATOR_HOST:EMULATOR_PORT
 * (127.0.0.1:9000), seeds demo buckets in three regions with objects and one rule whose historical
 * replication is under way, writes a demo principals file with three callers, and points `config` at
 * both — `config.oss.endpoint` (path-style, real HTTP, real signatures with the emulator's demo
 * credentials) and `config.auth.principalsFile`. Only for `config.mode === 'embedded'`.
 */
export async function prepareEmbedded(
  config: AppConfig,
  options: PrepareEmbeddedOptions = {},
): Promise<EmbeddedEnvironment> {
  if (config.mode !== 'embedded') {
    throw new EmbeddedStartError(
      'the embedded environment is only for embedded mode (no OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET set)',
    );
  }
  const opts = emulatorOptions(config, options.emulator);
  let emulator: Emulator;
  try {
    emulator = await startEmulator(opts);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new EmbeddedStartError(
        `cannot start the OSS emulator: ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0} is in use ` +
          '(set EMULATOR_PORT to a free port, or 0 for any)',
        { cause: error },
      );
    }
    throw error;
  }
  const [credentials] = emulator.accessKeys;
  if (!credentials) {
    await emulator.close();
    throw new EmbeddedStartError('the OSS emulator has no access keys');
  }
  config.oss.endpoint = emulator.url;
  config.oss.addressing = 'path';
  config.oss.credentials = credentials.securityToken
    ? {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      }
    : { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret };

  let dir: string | undefined;
  try {
    if (options.seed !== false) {
      await seed(emulator, config);
    }
    // A principals file the operator configured wins over the demo callers (no demo key then works).
    const configured = config.auth.principalsFile;
    if (configured) {
      return {
        emulator,
        principalsFile: configured,
        callers: [],
        ruleId: DEMO_RULE.id,
        async close() {
          await emulator.close();
        },
      };
    }
    dir = await mkdtemp(join(tmpdir(), 'oss-gateway-demo-'));
    const principalsFile = join(dir, 'principals.yaml');
    await writeFile(principalsFile, demoPrincipalsYaml(), { mode: 0o600 });
    config.auth.principalsFile = principalsFile;
    const tempDir = dir;
    return {
      emulator,
      principalsFile,
      callers: DEMO_CALLERS,
      ruleId: DEMO_RULE.id,
      async close() {
        await emulator.close();
        await rm(tempDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await emulator.close();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
    throw error;
  }
}
