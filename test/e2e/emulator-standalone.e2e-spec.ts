/**
 * End to end: `npm run emulator` (its start-up function, without the process around it) seeding
 * buckets from EMULATOR_SEED / EMULATOR_BUCKETS, checked with the OssClient over a socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../../src/config/env.schema.js';
import { DEMO_OBJECT_COUNTS, DEMO_RULE, DEMO_STALLED_RULE } from '../../src/emulator/demo-seed.js';
import type { Emulator } from '../../src/emulator/emulator-server.js';
import { startStandaloneEmulator } from '../../src/emulator/standalone.js';
import { OssClient } from '../../src/oss/oss-client.js';
import { xmlValues } from '../utils/emulator-client.js';

describe(startStandaloneEmulator.name, () => {
  let emulator: Emulator | undefined;
  let client: OssClient | undefined;

  afterEach(async () => {
    await client?.close();
    await emulator?.close();
    client = undefined;
    emulator = undefined;
  });

  function clientFor(emu: Emulator): OssClient {
    client = new OssClient({
      region: 'cn-hangzhou',
      endpoint: emu.url,
      credentials: emu.accessKeys[0],
      timeouts: { connectMs: 1000, requestMs: 5000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 5000 },
    });
    return client;
  }

  it('seeds the demo buckets, objects and rule of embedded mode and the EMULATOR_BUCKETS buckets', async () => {
    const printed: string[] = [];
    emulator = await startStandaloneEmulator(
      {
        EMULATOR_PORT: '0',
        EMULATOR_LOG: 'off',
        EMULATOR_SEED: 'demo',
        EMULATOR_BUCKETS: 'my-logs:cn-shenzhen,my-hk:oss-cn-hongkong',
      },
      (text) => printed.push(text),
    );
    const c = clientFor(emulator);
    const listing = await c.request({ method: 'GET' });
    expect(xmlValues(listing.body.toString('utf8'), 'Name').sort()).toEqual([
      'demo-archive',
      'demo-backups',
      'demo-replica',
      'demo-source',
      'my-hk',
      'my-logs',
    ]);
    expect((await c.getBucketLocation('my-hk')).location).toBe('oss-cn-hongkong');
    expect((await c.getBucketLocation('demo-replica')).location).toBe('oss-cn-beijing');
    expect((await c.getBucketReplication('demo-source')).rules.map((r) => r.id)).toEqual([DEMO_RULE.id]);
    // The demo's stalled rule: paused in the emulator, so its backlog never moves.
    expect((await c.getBucketReplication('demo-backups')).rules.map((r) => r.id)).toEqual([
      DEMO_STALLED_RULE.id,
    ]);
    expect(emulator.admin.getRules('demo-backups')[0].control).toMatchObject({ mode: 'pause' });
    const total = DEMO_OBJECT_COUNTS.logs + DEMO_OBJECT_COUNTS.images + DEMO_OBJECT_COUNTS.reports;
    expect(emulator.admin.listObjects('demo-source')).toHaveLength(total);
    expect(printed.join('\n')).toContain(
      'buckets seeded: demo-source (cn-hangzhou), demo-replica (cn-beijing), demo-archive (cn-shanghai), demo-backups (cn-shenzhen), my-logs (cn-shenzhen), my-hk (cn-hongkong)',
    );
  });

  it('seeds nothing unless asked', async () => {
    emulator = await startStandaloneEmulator({ EMULATOR_PORT: '0', EMULATOR_LOG: 'off' }, () => undefined);
    const listing = await clientFor(emulator).request({ method: 'GET' });
    expect(xmlValues(listing.body.toString('utf8'), 'Name')).toEqual([]);
  });

  it('refuses an invalid EMULATOR_BUCKETS before starting, naming the variable', async () => {
    const failure = await startStandaloneEmulator(
      { EMULATOR_PORT: '0', EMULATOR_BUCKETS: 'my-logs:cn-nowhere' },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigValidationError);
    expect((failure as ConfigValidationError).problems).toEqual([
      expect.stringMatching(/^EMULATOR_BUCKETS: entry 1: region "cn-nowhere"/),
    ]);
  });
});
