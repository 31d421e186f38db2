import {
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { parseDatabaseUrl } from '../audit/store/database-url.js';
import { AuditService } from '../audit/audit.service.js';
import {
  BUCKET_REGION_RESOLVER,
  type BucketRegionResolver,
} from '../auth/ports/bucket-region-resolver.port.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { DEMO_BUCKETS, DEMO_RULE } from '../embedded/prepare-embedded.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { REPLICATION_API, type ReplicationApi } from '../replication/ports/replication-api.port.js';
import { DEFAULT_ACCOUNT, type RuleRef } from './domain/progress-sample.js';
import {
  LEADER_ELECTION,
  type LeaderElection,
  SingleInstanceLeaderElection,
} from './leader/leader-election.js';
import { PostgresLeaderElection } from './leader/postgres-leader-election.js';
import { PROGRESS_READER, type ProgressReader } from './sampler/progress-reader.js';
import { ProgressSampler } from './sampler/progress-sampler.js';
import { ReplicationApiProgressReader } from './sampler/replication-api-progress-reader.js';
import { RULE_SOURCE, type RuleSource } from './sampler/rule-source.js';
import { INVENTORY } from './inventory/inventory.js';
import { INVENTORY_UPSTREAM, type InventoryUpstream } from './inventory/inventory-upstream.port.js';
import { OssInventory } from './inventory/oss-inventory.js';
import { ACCOUNT_CLIENTS, type AccountClients } from '../upstream/account-clients.js';
import { BucketAccountDirectory } from '../upstream/bucket-account-directory.js';
import { OssInventoryUpstream } from '../upstream/inventory-upstream.adapter.js';
import { ReplicationModule } from '../replication/replication.module.js';
import { ReplicationService } from '../replication/replication.service.js';
import { KyselyProgressSampleStore } from './store/kysely-progress-sample-store.js';
import { PROGRESS_SAMPLE_STORE, type ProgressSampleStore } from './store/progress-sample-store.js';

/**
 * The demo rule embedded mode seeds (once the emulator runs, its credentials are in the config); none
 * otherwise. The inventory finds it in the demo bucket; kept for tests and tools that name it.
 */
export function initialRules(config: AppConfig): RuleRef[] {
  if (config.mode !== 'embedded' || config.oss.credentials === undefined) {
    return [];
  }
  return [{ account: DEFAULT_ACCOUNT, bucket: DEMO_BUCKETS[0].name, ruleId: DEMO_RULE.id }];
}

/** Longest start-up wait for the inventory's first refresh. */
export const INVENTORY_STARTUP_WAIT_MS = 10_000;

/**
 * Starts the inventory and the sampler once the app is up (the sampler's first pass waits for the
 * inventory's first refresh); stops both before the audit trail's last flush.
 */
class FleetLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Fleet');

  constructor(
    private readonly sampler: ProgressSampler,
    private readonly store: ProgressSampleStore,
    private readonly inventory: OssInventory,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.store.migrate();
    } catch (error) {
      // Not fatal: the sampler migrates before its first pass as leader.
      this.logger.warn(`progress history migration failed (retried by the sampler): ${String(error)}`);
    }
    this.inventory.start();
    // Serve with the bucket → account map filled (ARNs, routing); an OSS that is slow to answer delays
    // start-up by INVENTORY_STARTUP_WAIT_MS at most, then the refresh goes on in the background.
    await this.inventory.firstRefreshSettled(INVENTORY_STARTUP_WAIT_MS);
    this.sampler.start();
  }

  /** Before every module's shutdown hooks: the sampler's and the inventory's last OSS calls are still audited. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.sampler.stop(), this.inventory.stop()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Replication you can see (DESIGN §11), first part: the progress-sample store, leader election and
 * the sampler. No routes yet; the fleet API, the inventory and the metrics build on the exports.
 */
@Module({
  imports: [ReplicationModule],
  providers: [
    {
      provide: PROGRESS_SAMPLE_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ProgressSampleStore => {
        const logger = new Logger('Fleet');
        return KyselyProgressSampleStore.open(config.database.url, {
          onIdleError: (error) => logger.warn(`idle progress store connection failed: ${error.message}`),
        });
      },
    },
    {
      provide: LEADER_ELECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): LeaderElection => {
        const target = parseDatabaseUrl(config.database.url);
        if (target.kind !== 'postgres') {
          return new SingleInstanceLeaderElection();
        }
        const logger = new Logger('Fleet');
        return new PostgresLeaderElection({
          connectionString: target.connectionString,
          onError: (error) => logger.warn(`sampler leader election: ${error.message}`),
        });
      },
    },
    {
      provide: INVENTORY_UPSTREAM,
      inject: [ACCOUNT_CLIENTS],
      useFactory: (clients: AccountClients): InventoryUpstream => new OssInventoryUpstream(clients),
    },
    {
      provide: OssInventory,
      inject: [
        INVENTORY_UPSTREAM,
        BucketAccountDirectory,
        AuditService,
        MetricsService,
        ReplicationService,
        APP_CONFIG,
      ],
      useFactory: (
        upstream: InventoryUpstream,
        directory: BucketAccountDirectory,
        audit: AuditService,
        metrics: MetricsService,
        replication: ReplicationService,
        config: AppConfig,
      ): OssInventory => {
        const logger = new Logger('Fleet');
        const inventory = new OssInventory(upstream, {
          accounts: config.accounts.list,
          intervalMs: config.inventory.intervalSeconds * 1000,
          recorder: {
            audit: (event) => audit.record(event),
            observe: (operation, outcome, seconds) =>
              metrics.ossCalls.observe({ operation, outcome }, seconds),
          },
          onBuckets: (account, buckets) => directory.setBuckets(account, buckets),
          onError: (error) => logger.warn(`inventory refresh failed: ${error.message}`),
        });
        // Every write made through the gateway: re-read that bucket (its account's, as ARNs say).
        replication.onRulesChanged((bucket) => {
          void inventory.refreshBucket(directory.accountOf(bucket).id, bucket);
        });
        return inventory;
      },
    },
    { provide: INVENTORY, useExisting: OssInventory },
    { provide: RULE_SOURCE, useExisting: OssInventory },
    {
      provide: PROGRESS_READER,
      inject: [REPLICATION_API, BUCKET_REGION_RESOLVER, AuditService, MetricsService, APP_CONFIG],
      useFactory: (
        api: ReplicationApi,
        regions: BucketRegionResolver,
        audit: AuditService,
        metrics: MetricsService,
        config: AppConfig,
      ): ProgressReader =>
        new ReplicationApiProgressReader(
          api,
          regions,
          {
            audit: (event) => audit.record(event),
            observe: (operation, outcome, seconds) =>
              metrics.ossCalls.observe({ operation, outcome }, seconds),
          },
          {
            account: DEFAULT_ACCOUNT,
            accountId: config.oss.accountId,
            ...(config.accounts.list.length > 1
              ? { accounts: new Map(config.accounts.list.map((a) => [a.id, a.arnAccountId])) }
              : {}),
          },
        ),
    },
    {
      provide: ProgressSampler,
      inject: [RULE_SOURCE, PROGRESS_READER, PROGRESS_SAMPLE_STORE, LEADER_ELECTION, APP_CONFIG],
      useFactory: (
        source: RuleSource,
        reader: ProgressReader,
        store: ProgressSampleStore,
        election: LeaderElection,
        config: AppConfig,
      ): ProgressSampler => {
        const logger = new Logger('Fleet');
        return new ProgressSampler(source, reader, store, election, {
          intervalMs: config.fleet.sampleIntervalSeconds * 1000,
          maxCallsPerInterval: config.fleet.samplerMaxCallsPerInterval,
          retentionDays: config.fleet.historyRetentionDays,
          prepare: () => store.migrate(),
          onError: (error) => logger.warn(`progress sampler pass failed: ${error.message}`),
        });
      },
    },
    {
      provide: FleetLifecycle,
      inject: [ProgressSampler, PROGRESS_SAMPLE_STORE, OssInventory],
      useFactory: (sampler: ProgressSampler, store: ProgressSampleStore, inventory: OssInventory) =>
        new FleetLifecycle(sampler, store, inventory),
    },
  ],
  exports: [PROGRESS_SAMPLE_STORE, LEADER_ELECTION, RULE_SOURCE, INVENTORY, ProgressSampler],
})
export class FleetModule {}
