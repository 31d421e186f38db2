import { OssClient } from '../oss/oss-client.js';
import type { Emulator } from './emulator-server.js';
import { OssError } from './errors.js';

/** The demo buckets: one per region, so cross-region replication can be tried at once. */
export const DEMO_BUCKETS = Object.freeze([
  { name: 'demo-source', region: 'cn-hangzhou' },
  { name: 'demo-replica', region: 'cn-beijing' },
  { name: 'demo-archive', region: 'cn-shanghai' },
  { name: 'demo-backups', region: 'cn-shenzhen' },
] as const);

/** The seeded rule: demo-source → demo-replica, historical replication under way at start-up. */
export const DEMO_RULE = Object.freeze({
  id: 'demo-logs-and-images-to-beijing',
  prefixes: ['logs/', 'images/'],
  action: 'ALL' as const,
  destination: { bucket: 'demo-replica', location: 'oss-cn-beijing', transferType: 'internal' as const },
  historicalObjectReplication: true,
});

/**
 * The seeded rule that stalls: demo-backups → demo-replica, paused in the emulator from the start (an
 * emulator replication fault), so the fleet has a problem to show: nothing moves, and after
 * `GATEWAY_STALL_AFTER_SECONDS` (a minute in embedded mode) its health is `stalled`.
 */
export const DEMO_STALLED_RULE = Object.freeze({
  id: 'demo-backups-to-beijing',
  prefixes: [] as string[],
  action: 'ALL' as const,
  destination: { bucket: 'demo-replica', location: 'oss-cn-beijing', transferType: 'internal' as const },
  historicalObjectReplication: true,
});

/** Objects seeded into demo-backups: the stalled rule's backlog. */
export const DEMO_BACKUP_OBJECTS = 50;

/** Objects seeded into demo-source: `logs/…` and `images/…` (replicated) plus `reports/…` (not). */
export const DEMO_OBJECT_COUNTS = Object.freeze({ logs: 400, images: 200, reports: 20 });

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

/** Creates a bucket unless it exists (state kept in EMULATOR_DATA_DIR); true when it was created. */
export function createBucketIfMissing(emulator: Emulator, name: string, region: string): boolean {
  try {
    emulator.admin.createBucket(name, region);
    return true;
  } catch (error) {
    if (error instanceof OssError && error.code === 'BucketAlreadyExists') {
      return false;
    }
    throw error;
  }
}

/**
 * Seeds the demo buckets, their objects and the demo rule; idempotent when the emulator keeps state
 * in EMULATOR_DATA_DIR. The rule goes in the way every other call does: signed, over HTTP, through
 * `client` (an OssClient pointed at this emulator). An OSS refusal surfaces as OssServiceError.
 */
export async function seedDemo(emulator: Emulator, client: OssClient): Promise<void> {
  const created = DEMO_BUCKETS.map((b) => createBucketIfMissing(emulator, b.name, b.region));
  if (created[0]) {
    for (const o of demoObjects()) {
      emulator.admin.putObject('demo-source', o.key, o.body, o.contentType);
    }
  }
  if (created[3]) {
    for (let i = 0; i < DEMO_BACKUP_OBJECTS; i += 1) {
      emulator.admin.putObject(
        'demo-backups',
        `backups/db-${pad(i, 3)}.dump`,
        `demo backup ${i}`,
        'text/plain',
      );
    }
  }
  if (!emulator.admin.getRules('demo-source').some((r) => r.id === DEMO_RULE.id)) {
    await client.putBucketReplication('demo-source', {
      ...DEMO_RULE,
      prefixes: [...DEMO_RULE.prefixes],
      destination: { ...DEMO_RULE.destination },
    });
  }
  if (!emulator.admin.getRules('demo-backups').some((r) => r.id === DEMO_STALLED_RULE.id)) {
    await client.putBucketReplication('demo-backups', {
      ...DEMO_STALLED_RULE,
      prefixes: [...DEMO_STALLED_RULE.prefixes],
      destination: { ...DEMO_STALLED_RULE.destination },
    });
  }
  // Faults are not kept in EMULATOR_DATA_DIR: paused again at every start.
  emulator.admin.pauseReplication('demo-backups', DEMO_STALLED_RULE.id);
}

/** {@link seedDemo} through a client of its own, signed with the emulator's first access key. */
export async function seedDemoWithOwnClient(emulator: Emulator): Promise<void> {
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
}
