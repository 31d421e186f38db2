import { Global, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { HealthRegistry } from '../health/health-indicator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditController } from './audit.controller.js';
import { AuditIntegrityService } from './audit-integrity.service.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditService } from './audit.service.js';
import { AUDIT_STORE, type AuditStore } from './store/audit-store.js';
import { KyselyAuditStore } from './store/kysely-audit-store.js';

/**
 * The audit trail: the store named by DATABASE_URL (migrated at start; it chains what it writes under
 * GATEWAY_INSTANCE_ID), the recording service, verification / export / retention, both transports.
 */
@Global()
@Module({
  controllers: [AuditController],
  providers: [
    {
      provide: AUDIT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): AuditStore => {
        const logger = new Logger('Audit');
        return KyselyAuditStore.open(config.database.url, {
          instanceId: config.audit.instanceId,
          onIdleError: (error) => logger.warn(`idle audit store connection failed: ${error.message}`),
        });
      },
    },
    {
      provide: AuditService,
      inject: [AUDIT_STORE, APP_CONFIG, MetricsService, HealthRegistry],
      useFactory: (
        store: AuditStore,
        config: AppConfig,
        metrics: MetricsService,
        health: HealthRegistry,
      ): AuditService =>
        new AuditService(
          store,
          {
            flushIntervalMs: config.audit.flushIntervalMs,
            batchSize: config.audit.batchSize,
            ...(config.audit.maxQueue !== undefined ? { maxQueue: config.audit.maxQueue } : {}),
            ...(config.audit.retryMaxDelayMs !== undefined
              ? { retryMaxDelayMs: config.audit.retryMaxDelayMs }
              : {}),
          },
          metrics,
          health,
        ),
    },
    {
      provide: AuditIntegrityService,
      inject: [AUDIT_STORE, AuditService, APP_CONFIG],
      useFactory: (store: KyselyAuditStore, audit: AuditService, config: AppConfig): AuditIntegrityService =>
        new AuditIntegrityService(store, audit, {
          ...(config.audit.retentionDays !== undefined ? { retentionDays: config.audit.retentionDays } : {}),
          pruneIntervalMs: config.audit.pruneIntervalMs,
        }),
    },
    AuditResolver,
  ],
  exports: [AuditService, AuditIntegrityService],
})
export class AuditModule {}
