import {
  type DynamicModule,
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
import { AUTH_CLOCK, type Clock } from '../auth/clock.js';
import { AuthModule } from '../auth/auth.module.js';
import { AuthorizationService } from '../auth/authorization.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { REPLICATION_API, type ReplicationApi } from '../replication/ports/replication-api.port.js';
import { DEFAULT_ACCOUNT } from './domain/progress-sample.js';
import {
  LEADER_ELECTION,
  type LeaderElection,
  SingleInstanceLeaderElection,
} from './leader/leader-election.js';
import { PostgresLeaderElection, samplerLockName } from './leader/postgres-leader-election.js';
import { PROGRESS_READER, type ProgressReader } from './sampler/progress-reader.js';
import { ProgressSampler } from './sampler/progress-sampler.js';
import { ReplicationApiProgressReader } from './sampler/replication-api-progress-reader.js';
import { RULE_SOURCE, type RuleSource } from './sampler/rule-source.js';
import { INVENTORY_UPSTREAM, type InventoryUpstream } from './inventory/inventory-upstream.port.js';
import { OssInventory } from './inventory/oss-inventory.js';
import { ACCOUNT_CLIENTS, type AccountClients } from '../upstream/account-clients.js';
import { BucketAccountDirectory } from '../upstream/bucket-account-directory.js';
import { OssInventoryUpstream } from '../upstream/inventory-upstream.adapter.js';
import { ReplicationModule } from '../replication/replication.module.js';
import { ReplicationService } from '../replication/replication.service.js';
import { FleetController } from './api/fleet.controller.js';
import { FleetResolver, ReplicationRuleHealthResolver } from './api/fleet.resolver.js';
import { FleetSamples, samplesPerRule, VersionedProgressSampleStore } from './api/fleet-samples.js';
import { FleetService } from './api/fleet.service.js';
import type { HealthThresholds } from './health/replication-health.js';
import { INVENTORY, type Inventory } from './inventory/inventory.js';
import { FleetMetrics } from './metrics/fleet-metrics.js';
import { KyselyProgressSampleStore } from './store/kysely-progress-sample-store.js';
import { PROGRESS_SAMPLE_STORE, type ProgressSampleStore } from './store/progress-sample-store.js';

/** Longest start-up wait for the inventory's first refresh. */
export const INVENTORY_STARTUP_WAIT_MS = 10_000;

/** Health thresholds from the config (`GATEWAY_STALL_AFTER_SECONDS`, `GATEWAY_LAG_THRESHOLD_SECONDS`). */
export function healthThresholds(config: AppConfig): Partial<HealthThresholds> {
  return {
    stallAfterSeconds: config.fleet.stallAfterSeconds,
    lagThresholdSeconds: config.fleet.lagThresholdSeconds,
    rtcLagThresholdSeconds: config.fleet.rtcLagThresholdSeconds,
  };
}

/** The rate window of the health function (DEFAULT_HEALTH_THRESHOLDS.rateWindowSeconds). */
const RATE_WINDOW_SECONDS = 3600;

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
 * Replication you can see (DESIGN §11): the progress-sample store, leader election, the sampler, the
 * fleet API (REST and GraphQL) and the fleet's metrics, over the INVENTORY.
 */
@Module({
  imports: [ReplicationModule, AuthModule],
  controllers: [FleetController],
  providers: [
    {
      provide: PROGRESS_SAMPLE_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): VersionedProgressSampleStore => {
        const logger = new Logger('Fleet');
        return new VersionedProgressSampleStore(
          KyselyProgressSampleStore.open(config.database.url, {
            onIdleError: (error) => logger.warn(`idle progress store connection failed: ${error.message}`),
          }),
        );
      },
    },
    {
      provide: FleetSamples,
      inject: [PROGRESS_SAMPLE_STORE, APP_CONFIG],
      useFactory: (store: VersionedProgressSampleStore, config: AppConfig): FleetSamples => {
        const { sampleIntervalSeconds, stallAfterSeconds } = config.fleet;
        return new FleetSamples(store, {
          samplesPerRule: samplesPerRule(
            Math.max(stallAfterSeconds, RATE_WINDOW_SECONDS),
            sampleIntervalSeconds,
          ),
          // Another instance's samples (the leader's) are seen within half an interval, at most 5 s.
          maxAgeMs: Math.min(5000, (sampleIntervalSeconds * 1000) / 2),
        });
      },
    },
    {
      provide: FleetService,
      inject: [INVENTORY, FleetSamples, PROGRESS_SAMPLE_STORE, AuthorizationService, AUTH_CLOCK, APP_CONFIG],
      useFactory: (
        inventory: Inventory,
        samples: FleetSamples,
        store: ProgressSampleStore,
        authorization: AuthorizationService,
        clock: Clock,
        config: AppConfig,
      ): FleetService =>
        new FleetService({
          inventory,
          samples,
          store,
          authorization,
          clock,
          thresholds: healthThresholds(config),
          // The ARN's account: OSS_ACCOUNT_ID for the default account; unknown (`*`) for others until accounts name theirs.
          accountIdOf: (account) => (account === DEFAULT_ACCOUNT ? config.oss.accountId : undefined),
        }),
    },
    FleetResolver,
    ReplicationRuleHealthResolver,
    {
      provide: FleetMetrics,
      inject: [MetricsService, INVENTORY, FleetSamples, AUTH_CLOCK, APP_CONFIG],
      useFactory: (
        metrics: MetricsService,
        inventory: Inventory,
        samples: FleetSamples,
        clock: Clock,
        config: AppConfig,
      ): FleetMetrics =>
        new FleetMetrics({
          registry: metrics.registry,
          inventory,
          samples,
          clock,
          thresholds: healthThresholds(config),
          maxRules: config.fleet.metricsMaxRules,
        }),
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
          // One leader per schema: instances of other deployments (schemas) in the database do not compete.
          lockName: samplerLockName(target.connectionString),
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
      inject: [
        RULE_SOURCE,
        PROGRESS_READER,
        PROGRESS_SAMPLE_STORE,
        LEADER_ELECTION,
        FleetMetrics,
        APP_CONFIG,
      ],
      useFactory: (
        source: RuleSource,
        reader: ProgressReader,
        store: ProgressSampleStore,
        election: LeaderElection,
        fleetMetrics: FleetMetrics,
        config: AppConfig,
      ): ProgressSampler => {
        const logger = new Logger('Fleet');
        return new ProgressSampler(source, reader, store, election, {
          intervalMs: config.fleet.sampleIntervalSeconds * 1000,
          maxCallsPerInterval: config.fleet.samplerMaxCallsPerInterval,
          retentionDays: config.fleet.historyRetentionDays,
          prepare: () => store.migrate(),
          onError: (error) => logger.warn(`progress sampler pass failed: ${error.message}`),
          onPass: (result, error) => fleetMetrics.observePass(result, error),
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
  exports: [PROGRESS_SAMPLE_STORE, LEADER_ELECTION, RULE_SOURCE, INVENTORY, ProgressSampler, FleetService],
})
export class FleetModule {
  /**
   * The fleet module; `inventory` replaces the OSS-listing inventory as what the fleet reads and the
   * sampler samples (benchmarks and tests that need a fleet of a given shape; `CreateAppOptions`).
   */
  static forRoot(options: { inventory?: Inventory } = {}): DynamicModule {
    const { inventory } = options;
    return {
      module: FleetModule,
      providers: inventory
        ? [
            { provide: INVENTORY, useValue: inventory },
            { provide: RULE_SOURCE, useValue: inventory },
          ]
        : [],
    };
  }
}
