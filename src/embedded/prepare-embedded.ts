import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAppConfig, type AppConfig, type OssCredentialsConfig } from '../config/app.config.js';
import { startEmulator, type Emulator } from '../emulator/emulator-server.js';
import { DEMO_RULE, seedDemo } from '../emulator/demo-seed.js';
import type { EmulatorOptions } from '../emulator/options.js';
import { isOssServiceError } from '../oss/errors.js';
import { OssClient } from '../oss/oss-client.js';
import { DEMO_CALLERS, demoPrincipalsYaml, type DemoCaller } from './demo-principals.js';

export { DEMO_BUCKETS, DEMO_OBJECT_COUNTS, DEMO_RULE, demoObjects } from '../emulator/demo-seed.js';

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
  /** The configuration to start the app with: the given one with the emulator and the principals file set. */
  config: AppConfig;
  emulator: Emulator;
  /** The demo principals file (in a fresh temporary directory, removed by `close()`). */
  principalsFile: string;
  callers: readonly DemoCaller[];
  ruleId: string;
  /** Stops the emulator and removes the demo principals file. */
  close(): Promise<void>;
}

/** Raised when the embedded environment cannot start (port taken, seeding failed). */
export class EmbeddedStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedStartError';
  }
}

function emulatorOptions(config: AppConfig, overrides: Partial<EmulatorOptions> = {}): EmulatorOptions {
  const fromEnv = config.emulator?.options ?? {};
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

/** Seeds the demo buckets, objects and rule (shared with `EMULATOR_SEED=demo` of `npm run emulator`). */
async function seed(emulator: Emulator, config: AppConfig, credentials: OssCredentialsConfig): Promise<void> {
  const client = new OssClient({
    region: 'cn-hangzhou',
    endpoint: emulator.url,
    addressing: 'path',
    credentials,
    signatureVersion: config.oss.signatureVersion,
    timeouts: config.oss.timeouts,
    retry: config.oss.retry,
  });
  try {
    await seedDemo(emulator, client);
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
 * replication is under way, writes a demo principals file with three callers, and returns the config
 * that points at both — `oss.endpoint` (path-style, real HTTP, real signatures with the emulator's demo
 * credentials) and `auth.principalsFile` — built by `buildAppConfig` from `config`'s environment with
 * those overrides (`config` itself is frozen and stays as it was). Only for `config.mode === 'embedded'`.
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
  const oss = {
    endpoint: emulator.url,
    addressing: 'path' as const,
    credentials: credentials.securityToken
      ? {
          accessKeyId: credentials.accessKeyId,
          accessKeySecret: credentials.accessKeySecret,
          securityToken: credentials.securityToken,
        }
      : { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret },
  };

  let dir: string | undefined;
  try {
    if (options.seed !== false) {
      await seed(emulator, config, oss.credentials);
    }
    // A principals file the operator configured wins over the demo callers (no demo key then works).
    const configured = config.auth.principalsFile;
    if (configured) {
      return {
        config: buildAppConfig(config.rawEnv, { oss }),
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
    const tempDir = dir;
    return {
      config: buildAppConfig(config.rawEnv, { oss, auth: { principalsFile } }),
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
