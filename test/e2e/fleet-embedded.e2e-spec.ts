import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import {
  DEMO_BUCKETS,
  DEMO_RULE,
  prepareEmbedded,
  type EmbeddedEnvironment,
} from '../../src/embedded/prepare-embedded.js';
import { DEMO_STALLED_RULE } from '../../src/emulator/demo-seed.js';
import { DEFAULT_ACCOUNT, ruleKey } from '../../src/fleet/domain/progress-sample.js';
import { FleetModule } from '../../src/fleet/fleet.module.js';
import { computeReplicationHealth } from '../../src/fleet/health/replication-health.js';
import { ProgressSampler } from '../../src/fleet/sampler/progress-sampler.js';
import { SAMPLER_PRINCIPAL } from '../../src/fleet/sampler/replication-api-progress-reader.js';
import {
  PROGRESS_SAMPLE_STORE,
  type ProgressSampleStore,
} from '../../src/fleet/store/progress-sample-store.js';

/*
 * The FleetModule as wired into the app in embedded mode: the sampler starts with the app, samples
 * the demo rule over the emulator (every 5 s), audits its calls as gateway:sampler, and stops with it.
 */
describe(`${FleetModule.name} in embedded mode`, () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  const demo = { account: DEFAULT_ACCOUNT, bucket: DEMO_BUCKETS[0].name, ruleId: DEMO_RULE.id };

  beforeAll(async () => {
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config, { emulator: { replication: { tickMs: 0, startingMs: 0 } } });
    app = await createApp(env.config, { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('samples the demo rule from start-up, every 5 s, and audits the calls as gateway:sampler', async () => {
    expect(env.config.fleet.sampleIntervalSeconds).toBe(5);
    const store = app.get<ProgressSampleStore>(PROGRESS_SAMPLE_STORE);
    // The first pass runs as the app starts; wait for it to be stored.
    let samples = (await store.latest([demo], 5)).get(ruleKey(demo));
    for (let i = 0; i < 200 && !samples; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      samples = (await store.latest([demo], 5)).get(ruleKey(demo));
    }
    // Replication runs only when driven here (tickMs 0): the rule is still as the seed left it.
    expect(['starting', 'doing']).toContain(samples?.[0]?.status);
    expect(samples?.[0]?.error).toBeUndefined();
    expect(['starting', 'catching_up']).toContain(computeReplicationHealth(samples!, samples![0].time).state);

    const audit = app.get(AuditService);
    await audit.flush();
    const events = await audit.query({ principal: SAMPLER_PRINCIPAL, kind: 'oss-call' }, 10);
    expect(events.items.map((e) => e.operation)).toEqual(
      expect.arrayContaining(['GetBucketReplication', 'GetBucketReplicationProgress']),
    );
  });

  it("samples the demo's paused rule too: its progress stays where it was while the other's completes", async () => {
    const backups = { account: DEFAULT_ACCOUNT, bucket: 'demo-backups', ruleId: DEMO_STALLED_RULE.id };
    // Everything replicates that may (pauses hold), then one more pass reads it.
    env.emulator.admin.flushReplication();
    await app.get(ProgressSampler).runPass();
    const latest = await app.get<ProgressSampleStore>(PROGRESS_SAMPLE_STORE).latest([demo, backups], 1);
    expect(latest.get(ruleKey(demo))?.[0]?.historicalObjectProgress).toBe(1);
    expect(latest.get(ruleKey(backups))?.[0]).toMatchObject({ historicalObjectProgress: 0 });
  });

  it('stops the sampler with the app: no pass scheduled afterwards', async () => {
    const sampler = app.get(ProgressSampler);
    expect(sampler.scheduled).toBe(true);
    await app.close();
    expect(sampler.scheduled).toBe(false);
  });
});
