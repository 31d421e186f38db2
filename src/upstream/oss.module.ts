import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BUCKET_REGION_RESOLVER } from '../auth/ports/bucket-region-resolver.port.js';
import { REPLICATION_API } from '../replication/ports/replication-api.port.js';
import { OssBucketRegionResolver } from './bucket-region-resolver.adapter.js';
import { OSS_CLIENT } from './oss-client.token.js';
import { OssReplicationApi } from './replication-api.adapter.js';
import type { OssCredentials } from '../oss/signer/types.js';
import { OssClientError } from '../oss/errors.js';
import { OssClient } from '../oss/oss-client.js';
import type { OssResilienceObserver } from '../oss/pipeline/pipeline.js';

/** The client's retries, quota and breakers as metrics (and a log line when a breaker opens or closes). */
function resilienceObserver(metrics: MetricsService | undefined): OssResilienceObserver {
  const logger = new Logger('Upstream');
  return {
    retried: ({ operation, reason }) => metrics?.ossRetries.inc({ operation, reason }),
    retryQuotaExhausted: ({ operation }) => metrics?.ossRetryQuotaExhausted.inc({ operation }),
    shortCircuited: ({ operation, endpoint }) => metrics?.ossShortCircuited.inc({ operation, endpoint }),
    breakerStateChanged: ({ operation, endpoint, state }) => {
      if (state === 'open') {
        logger.warn(
          { operation, endpoint },
          'OSS circuit breaker opened: calls are answered 503 until a probe succeeds',
        );
      } else if (state === 'closed') {
        logger.log({ operation, endpoint }, 'OSS circuit breaker closed');
      }
    },
  };
}

/**
 * Builds the OssClient from `config.oss`. Credentials are read at signing time, so the embedded
 * bootstrap may fill `config.oss.credentials` after the config object was created (but before the
 * first call); without any, calls fail with `CredentialsError` (502) rather than going out unsigned.
 * With `metrics`, its retries, retry quota and circuit breakers are exported.
 */
export function createOssClient(config: AppConfig, metrics?: MetricsService): OssClient {
  const oss = config.oss;
  const client = new OssClient({
    region: oss.region,
    ...(oss.endpoint !== undefined ? { endpoint: oss.endpoint } : {}),
    ...(oss.addressing !== undefined ? { addressing: oss.addressing } : {}),
    internal: oss.internal,
    credentials: (): OssCredentials => {
      const credentials = config.oss.credentials;
      if (!credentials) {
        throw new OssClientError('CredentialsError', 'No OSS credentials are configured.');
      }
      return credentials;
    },
    signatureVersion: oss.signatureVersion,
    timeouts: oss.timeouts,
    retry: oss.retry,
    retryQuota: { capacity: oss.retryQuota },
    circuitBreaker: oss.breaker,
    observer: resilienceObserver(metrics),
  });
  metrics?.observeUpstream(() => client.resilience());
  return client;
}

/** The OSS client and the adapters that implement feature ports over it. Global: one client per app. */
@Global()
@Module({
  providers: [
    { provide: OSS_CLIENT, inject: [APP_CONFIG, MetricsService], useFactory: createOssClient },
    {
      provide: REPLICATION_API,
      inject: [OSS_CLIENT],
      useFactory: (client: OssClient) => new OssReplicationApi(client),
    },
    { provide: BUCKET_REGION_RESOLVER, useClass: OssBucketRegionResolver },
  ],
  exports: [OSS_CLIENT, REPLICATION_API, BUCKET_REGION_RESOLVER],
})
export class OssModule implements OnApplicationShutdown {
  constructor(@Inject(OSS_CLIENT) private readonly client: OssClient) {}

  /** Closes the keep-alive connection pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
