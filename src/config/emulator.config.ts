import { isAbsolute, resolve } from 'node:path';
import { DEMO_BUCKETS } from '../emulator/demo-seed.js';
import type { EmulatorAccessKey, EmulatorOptions } from '../emulator/options.js';
import { DEFAULT_REGIONS, regionSpecFor } from '../emulator/regions.js';
import { isValidBucketName } from '../oss/limits.js';
import { deepFreeze } from './deep-freeze.js';
import { checkEnv, ConfigValidationError, EmulatorEnvSchema } from './env.schema.js';

/** The emulator options the environment sets (the clock, logger and random source are the caller's). */
export type EmulatorEnvOptions = Pick<
  EmulatorOptions,
  | 'host'
  | 'port'
  | 'accessKeys'
  | 'clockSkewSeconds'
  | 'defaultRegion'
  | 'regions'
  | 'dataDir'
  | 'faults'
  | 'replication'
>;

/** What `npm run emulator` creates at start: the demo data set and/or named buckets. */
export interface EmulatorSeed {
  /** The demo buckets, objects and rule of embedded mode (`EMULATOR_SEED=demo`). */
  demo: boolean;
  /** `EMULATOR_BUCKETS=name:region,…`, in order. */
  buckets: Array<{ name: string; region: string }>;
}

/** The emulator's configuration, from the `EMULATOR_*` variables of EmulatorEnvSchema; deeply frozen. */
export interface EmulatorConfig {
  readonly options: EmulatorEnvOptions;
  /** Used by `npm run emulator` (embedded mode seeds its own demo data). */
  readonly seed: EmulatorSeed;
  /** One log line per request (`npm run emulator`; EMULATOR_LOG=off silences it). */
  readonly log: boolean;
}

/** A configuration and the problems found building it (empty when it is valid). */
export interface CheckedEmulatorConfig {
  config: EmulatorConfig;
  problems: string[];
}

function splitList(raw: string): string[] {
  return raw.split(',').map((entry) => entry.trim());
}

function accessKeys(raw: string): EmulatorAccessKey[] {
  return splitList(raw).map((entry) => {
    const [id, secret, token] = entry.split(':').map((part) => part.trim()) as [string, string, string?];
    return token === undefined
      ? { accessKeyId: id, accessKeySecret: secret }
      : { accessKeyId: id, accessKeySecret: secret, securityToken: token };
  });
}

const withoutOssPrefix = (region: string): string => region.replace(/^oss-/, '');

function seedBuckets(
  raw: string,
  regionIds: ReadonlySet<string>,
  problems: string[],
): EmulatorSeed['buckets'] {
  const buckets: EmulatorSeed['buckets'] = [];
  splitList(raw).forEach((entry, i) => {
    const [name, given] = entry.split(':').map((part) => part.trim()) as [string, string];
    const region = withoutOssPrefix(given);
    const where = `EMULATOR_BUCKETS: entry ${i + 1}`;
    if (!isValidBucketName(name)) {
      problems.push(
        `${where}: "${name}" is not a bucket name (3–63 of a-z, 0-9 and -, starting and ending with a letter or digit)`,
      );
    } else if (!regionIds.has(region)) {
      problems.push(
        `${where}: region "${given}" is not one of the emulator's regions (${[...regionIds].join(', ')})`,
      );
    } else if (buckets.some((b) => b.name === name)) {
      problems.push(`${where}: bucket "${name}" is listed twice`);
    } else {
      buckets.push({ name, region });
    }
  });
  return buckets;
}

/**
 * Applies EmulatorEnvSchema to the raw environment, then the checks across variables: the default
 * region and the seeded buckets among the emulator's regions, the demo set's three regions present.
 */
export function checkEmulatorConfig(raw: Record<string, string | undefined>): CheckedEmulatorConfig {
  const { env, problems, invalid } = checkEnv(EmulatorEnvSchema, raw);
  const options: EmulatorEnvOptions = {
    host: env.EMULATOR_HOST,
    port: env.EMULATOR_PORT,
    clockSkewSeconds: env.EMULATOR_CLOCK_SKEW_SECONDS,
    faults: env.EMULATOR_FAULTS,
  };
  if (env.EMULATOR_ACCESS_KEYS !== undefined && !invalid.has('EMULATOR_ACCESS_KEYS')) {
    options.accessKeys = accessKeys(env.EMULATOR_ACCESS_KEYS);
  }
  // The checks against the emulator's regions need a valid region list.
  let regionsValid = !invalid.has('EMULATOR_REGIONS');
  if (env.EMULATOR_REGIONS !== undefined && regionsValid) {
    const ids = splitList(env.EMULATOR_REGIONS);
    if (new Set(ids).size !== ids.length) {
      problems.push('EMULATOR_REGIONS: lists a region twice');
      regionsValid = false;
    } else {
      options.regions = ids.map(regionSpecFor);
    }
  }
  const regionIds = new Set((options.regions ?? DEFAULT_REGIONS).map((r) => r.id));
  if (env.EMULATOR_DEFAULT_REGION !== undefined && !invalid.has('EMULATOR_DEFAULT_REGION')) {
    const region = withoutOssPrefix(env.EMULATOR_DEFAULT_REGION);
    if (regionsValid && !regionIds.has(region)) {
      problems.push(
        options.regions
          ? 'EMULATOR_DEFAULT_REGION: is not one of EMULATOR_REGIONS'
          : `EMULATOR_DEFAULT_REGION: is not one of the emulator's regions (${[...regionIds].join(', ')})`,
      );
    }
    options.defaultRegion = region;
  }
  if (env.EMULATOR_DATA_DIR) {
    options.dataDir = isAbsolute(env.EMULATOR_DATA_DIR)
      ? env.EMULATOR_DATA_DIR
      : resolve(env.EMULATOR_DATA_DIR);
  }
  if (env.EMULATOR_REPLICATION_OBJECTS_PER_SECOND !== undefined) {
    options.replication = { objectsPerSecond: env.EMULATOR_REPLICATION_OBJECTS_PER_SECOND };
  }

  const seed: EmulatorSeed = { demo: env.EMULATOR_SEED === 'demo', buckets: [] };
  if (seed.demo && regionsValid) {
    const missing = DEMO_BUCKETS.filter((b) => !regionIds.has(b.region)).map((b) => b.region);
    if (missing.length > 0) {
      problems.push(
        `EMULATOR_SEED: demo needs the regions ${missing.join(', ')}, which EMULATOR_REGIONS leaves out`,
      );
    }
  }
  if (env.EMULATOR_BUCKETS !== undefined && !invalid.has('EMULATOR_BUCKETS') && regionsValid) {
    seed.buckets = seedBuckets(env.EMULATOR_BUCKETS, regionIds, problems);
  }
  return { config: deepFreeze({ options, seed, log: env.EMULATOR_LOG }), problems };
}

/**
 * The emulator's configuration from the raw environment (pure: pass `process.env`), frozen.
 * @throws ConfigValidationError naming every bad variable and its rule.
 */
export function buildEmulatorConfig(raw: Record<string, string | undefined>): EmulatorConfig {
  const { config, problems } = checkEmulatorConfig(raw);
  if (problems.length > 0) {
    throw new ConfigValidationError(problems, 'Invalid emulator configuration');
  }
  return config;
}
