import { isAbsolute, resolve } from 'node:path';
import { DEMO_BUCKETS } from './demo-seed.js';
import type { EmulatorAccessKey, EmulatorOptions } from './options.js';
import { DEFAULT_REGIONS, REGION_ID_PATTERN, regionSpecFor } from './regions.js';
import { isValidBucketName } from './store/bucket-name.js';

/** Raised for an invalid environment; names the variable. Never includes a secret. */
export class EmulatorConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'EmulatorConfigError';
  }
}

function blank(v: string | undefined): v is undefined {
  return v === undefined || v.trim() === '';
}

function parseAccessKeys(raw: string): EmulatorAccessKey[] {
  const keys: EmulatorAccessKey[] = [];
  const entries = raw.split(',').map((s) => s.trim());
  entries.forEach((entry, i) => {
    const parts = entry.split(':');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() === '')) {
      throw new EmulatorConfigError(
        'EMULATOR_ACCESS_KEYS',
        `entry ${i + 1} must be accessKeyId:accessKeySecret[:securityToken]`,
      );
    }
    const [id, secret, token] = parts.map((p) => p.trim()) as [string, string, string | undefined];
    if (!/^[A-Za-z0-9._-]+$/.test(id)) {
      throw new EmulatorConfigError('EMULATOR_ACCESS_KEYS', `entry ${i + 1} has an invalid access key id`);
    }
    keys.push(
      token === undefined
        ? { accessKeyId: id, accessKeySecret: secret }
        : { accessKeyId: id, accessKeySecret: secret, securityToken: token },
    );
  });
  return keys;
}

function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new EmulatorConfigError(name, `must be an integer between ${min} and ${max}`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) {
    throw new EmulatorConfigError(name, `must be an integer between ${min} and ${max}`);
  }
  return n;
}

/**
 * Builds emulator options from environment variables (pure: pass `process.env`).
 *
 * EMULATOR_HOST (127.0.0.1), EMULATOR_PORT (9000), EMULATOR_ACCESS_KEYS (`id:secret[:token],…`; demo
 * pair when unset), EMULATOR_CLOCK_SKEW_SECONDS (900, or `off`), EMULATOR_DEFAULT_REGION
 * (cn-hangzhou), EMULATOR_REGIONS (comma-separated region ids; default set when unset),
 * EMULATOR_DATA_DIR (in memory when unset), EMULATOR_FAULTS (`on`/`off`),
 * EMULATOR_REPLICATION_OBJECTS_PER_SECOND (50).
 */
export function emulatorConfigFromEnv(env: Record<string, string | undefined>): EmulatorOptions {
  const opts: EmulatorOptions = { host: '127.0.0.1', port: 9000 };
  if (!blank(env.EMULATOR_HOST)) {
    const host = env.EMULATOR_HOST.trim();
    if (!/^[A-Za-z0-9.:-]+$/.test(host)) {
      throw new EmulatorConfigError('EMULATOR_HOST', 'must be a host name or IP address');
    }
    opts.host = host;
  }
  if (!blank(env.EMULATOR_PORT)) {
    opts.port = parseInteger('EMULATOR_PORT', env.EMULATOR_PORT, 0, 65535);
  }
  if (!blank(env.EMULATOR_ACCESS_KEYS)) {
    opts.accessKeys = parseAccessKeys(env.EMULATOR_ACCESS_KEYS);
  }
  if (!blank(env.EMULATOR_CLOCK_SKEW_SECONDS)) {
    const raw = env.EMULATOR_CLOCK_SKEW_SECONDS.trim().toLowerCase();
    opts.clockSkewSeconds =
      raw === 'off' ? 'off' : parseInteger('EMULATOR_CLOCK_SKEW_SECONDS', raw, 1, 7 * 24 * 3600);
  }
  if (!blank(env.EMULATOR_REGIONS)) {
    const ids = env.EMULATOR_REGIONS.split(',').map((s) => s.trim());
    for (const id of ids) {
      if (!REGION_ID_PATTERN.test(id)) {
        throw new EmulatorConfigError('EMULATOR_REGIONS', `"${id}" is not a region id like cn-hangzhou`);
      }
    }
    if (new Set(ids).size !== ids.length) {
      throw new EmulatorConfigError('EMULATOR_REGIONS', 'lists a region twice');
    }
    opts.regions = ids.map(regionSpecFor);
  }
  if (!blank(env.EMULATOR_DEFAULT_REGION)) {
    let region = env.EMULATOR_DEFAULT_REGION.trim();
    if (region.startsWith('oss-')) {
      region = region.slice(4);
    }
    if (!REGION_ID_PATTERN.test(region)) {
      throw new EmulatorConfigError('EMULATOR_DEFAULT_REGION', 'must be a region id like cn-hangzhou');
    }
    const known = opts.regions ?? undefined;
    if (known && !known.some((r) => r.id === region)) {
      throw new EmulatorConfigError('EMULATOR_DEFAULT_REGION', 'is not one of EMULATOR_REGIONS');
    }
    opts.defaultRegion = region;
  }
  if (!blank(env.EMULATOR_DATA_DIR)) {
    const dir = env.EMULATOR_DATA_DIR.trim();
    opts.dataDir = isAbsolute(dir) ? dir : resolve(dir);
  }
  if (!blank(env.EMULATOR_FAULTS)) {
    const v = env.EMULATOR_FAULTS.trim().toLowerCase();
    if (['on', 'true', '1', 'yes'].includes(v)) {
      opts.faults = true;
    } else if (['off', 'false', '0', 'no'].includes(v)) {
      opts.faults = false;
    } else {
      throw new EmulatorConfigError('EMULATOR_FAULTS', 'must be on or off');
    }
  }
  if (!blank(env.EMULATOR_REPLICATION_OBJECTS_PER_SECOND)) {
    opts.replication = {
      objectsPerSecond: parseInteger(
        'EMULATOR_REPLICATION_OBJECTS_PER_SECOND',
        env.EMULATOR_REPLICATION_OBJECTS_PER_SECOND,
        1,
        1_000_000,
      ),
    };
  }
  return opts;
}

/** What `npm run emulator` creates at start: the demo data set and/or named buckets. */
export interface EmulatorSeed {
  /** The demo buckets, objects and rule of embedded mode (`EMULATOR_SEED=demo`). */
  demo: boolean;
  /** `EMULATOR_BUCKETS=name:region,…`, in order. */
  buckets: Array<{ name: string; region: string }>;
}

function parseBuckets(raw: string, regionIds: ReadonlySet<string>): EmulatorSeed['buckets'] {
  const buckets: EmulatorSeed['buckets'] = [];
  raw.split(',').forEach((entry, i) => {
    const parts = entry.trim().split(':');
    if (parts.length !== 2) {
      throw new EmulatorConfigError(
        'EMULATOR_BUCKETS',
        `entry ${i + 1} must be name:region (e.g. my-bucket:cn-hangzhou)`,
      );
    }
    const name = parts[0].trim();
    const region = parts[1].trim().replace(/^oss-/, '');
    if (!isValidBucketName(name)) {
      throw new EmulatorConfigError(
        'EMULATOR_BUCKETS',
        `entry ${i + 1}: "${name}" is not a bucket name (3–63 of a-z, 0-9 and -, starting and ending with a letter or digit)`,
      );
    }
    if (!regionIds.has(region)) {
      throw new EmulatorConfigError(
        'EMULATOR_BUCKETS',
        `entry ${i + 1}: region "${parts[1].trim()}" is not one of the emulator's regions (${[...regionIds].join(', ')})`,
      );
    }
    if (buckets.some((b) => b.name === name)) {
      throw new EmulatorConfigError('EMULATOR_BUCKETS', `entry ${i + 1}: bucket "${name}" is listed twice`);
    }
    buckets.push({ name, region });
  });
  return buckets;
}

/**
 * The start-up seed of the standalone emulator (pure: pass `process.env` and the options built by
 * `emulatorConfigFromEnv`). EMULATOR_SEED (`demo`, or `none`/unset), EMULATOR_BUCKETS
 * (`name:region,…`, regions as `cn-hangzhou` or `oss-cn-hangzhou`, among the emulator's regions).
 */
export function emulatorSeedFromEnv(
  env: Record<string, string | undefined>,
  options: Pick<EmulatorOptions, 'regions'> = {},
): EmulatorSeed {
  const regionIds = new Set((options.regions ?? DEFAULT_REGIONS).map((r) => r.id));
  const seed: EmulatorSeed = { demo: false, buckets: [] };
  if (!blank(env.EMULATOR_SEED)) {
    const v = env.EMULATOR_SEED.trim().toLowerCase();
    if (v === 'demo') {
      const missing = DEMO_BUCKETS.filter((b) => !regionIds.has(b.region)).map((b) => b.region);
      if (missing.length > 0) {
        throw new EmulatorConfigError(
          'EMULATOR_SEED',
          `demo needs the regions ${missing.join(', ')}, which EMULATOR_REGIONS leaves out`,
        );
      }
      seed.demo = true;
    } else if (v !== 'none') {
      throw new EmulatorConfigError('EMULATOR_SEED', 'must be demo or none');
    }
  }
  if (!blank(env.EMULATOR_BUCKETS)) {
    seed.buckets = parseBuckets(env.EMULATOR_BUCKETS, regionIds);
  }
  return seed;
}
