import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BUCKET_REGION_RESOLVER } from '../auth/ports/bucket-region-resolver.port.js';
import { REPLICATION_API } from '../replication/ports/replication-api.port.js';
import { OssBucketRegionResolver } from './bucket-region-resolver.adapter.js';
import { OSS_CLIENT } from './oss-client.token.js';
import { OssReplicationApi } from './replication-api.adapter.js';
import { ACCOUNT_CLIENTS, AccountClients } from './account-clients.js';
import { BucketAccountDirectory } from './bucket-account-directory.js';
import { ACCOUNT_RESOLVER } from '../auth/ports/account-resolver.port.js';
import type { AccountConfig } from '../config/accounts-file.js';
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
  const client = buildClient(config, {
    region: config.oss.region,
    ...(config.oss.endpoint !== undefined ? { endpoint: config.oss.endpoint } : {}),
    credentials: (): OssCredentials => {
      const credentials = config.oss.credentials;
      if (!credentials) {
        throw new OssClientError('CredentialsError', 'No OSS credentials are configured.');
      }
      return credentials;
    },
    metrics,
  });
  metrics?.observeUpstream(() => client.resilience());
  return client;
}

/**
 * The client of one more account of GATEWAY_ACCOUNTS_FILE: its credentials, region and endpoint, the
 * same signing, timeouts, retries, retry quota and breakers settings as every client (each client has
 * its own quota and breakers). Its retries and breaker transitions are counted in the same metrics.
 */
export function createAccountClient(
  config: AppConfig,
  account: AccountConfig,
  metrics?: MetricsService,
): OssClient {
  const credentials = account.credentials;
  return buildClient(config, {
    region: account.region,
    ...(account.endpoint !== undefined ? { endpoint: account.endpoint } : {}),
    credentials: (): OssCredentials => {
      if (!credentials) {
        throw new OssClientError('CredentialsError', `No OSS credentials for account ${account.id}.`);
      }
      return credentials;
    },
    metrics,
  });
}

function buildClient(
  config: AppConfig,
  target: {
    region: string;
    endpoint?: string;
    credentials: () => OssCredentials;
    metrics: MetricsService | undefined;
  },
): OssClient {
  const oss = config.oss;
  return new OssClient({
    region: target.region,
    ...(target.endpoint !== undefined ? { endpoint: target.endpoint } : {}),
    ...(oss.addressing !== undefined ? { addressing: oss.addressing } : {}),
    internal: oss.internal,
    credentials: target.credentials,
    signatureVersion: oss.signatureVersion,
    timeouts: oss.timeouts,
    retry: oss.retry,
    retryQuota: { capacity: oss.retryQuota },
    circuitBreaker: oss.breaker,
    observer: resilienceObserver(target.metrics),
  });
}

/** The OSS client and the adapters that implement feature ports over it. Global: one client per app. */
/**
 * The OSS clients (one per account, DESIGN §11) and the adapters that implement feature ports over
 * them. Global. A bucket's calls use the client of the account that owns it (ACCOUNT_RESOLVER, kept by
 * the inventory); with the single account of `OSS_*` that is always the one `OSS_CLIENT`.
 */
@Global()
@Module({
  providers: [
    { provide: OSS_CLIENT, inject: [APP_CONFIG, MetricsService], useFactory: createOssClient },
    {
      provide: BucketAccountDirectory,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new BucketAccountDirectory(config.accounts.list),
    },
    { provide: ACCOUNT_RESOLVER, useExisting: BucketAccountDirectory },
    {
      provide: ACCOUNT_CLIENTS,
      inject: [APP_CONFIG, MetricsService, OSS_CLIENT, BucketAccountDirectory],
      useFactory: (
        config: AppConfig,
        metrics: MetricsService,
        defaultClient: OssClient,
        directory: BucketAccountDirectory,
      ) => {
        const [first, ...others] = config.accounts.list;
        const clients = new Map<string, OssClient>([[first.id, defaultClient]]);
        for (const account of others) {
          clients.set(account.id, createAccountClient(config, account, metrics));
        }
        return new AccountClients(directory, clients, defaultClient);
      },
    },
    {
      provide: REPLICATION_API,
      inject: [OSS_CLIENT, ACCOUNT_CLIENTS, BucketAccountDirectory],
      useFactory: (client: OssClient, clients: AccountClients, directory: BucketAccountDirectory) =>
        new OssReplicationApi(directory.multiAccount ? (bucket) => clients.forBucket(bucket) : client),
    },
    {
      provide: BUCKET_REGION_RESOLVER,
      inject: [OSS_CLIENT, ACCOUNT_CLIENTS, BucketAccountDirectory],
      useFactory: (client: OssClient, clients: AccountClients, directory: BucketAccountDirectory) =>
        new OssBucketRegionResolver(directory.multiAccount ? (bucket) => clients.forBucket(bucket) : client),
    },
  ],
  exports: [
    OSS_CLIENT,
    ACCOUNT_CLIENTS,
    ACCOUNT_RESOLVER,
    BucketAccountDirectory,
    REPLICATION_API,
    BUCKET_REGION_RESOLVER,
  ],
})
export class OssModule implements OnApplicationShutdown {
  constructor(@Inject(ACCOUNT_CLIENTS) private readonly clients: AccountClients) {}

  /** Closes every client's keep-alive connection pool (the default account's `OSS_CLIENT` among them). */
  async onApplicationShutdown(): Promise<void> {
    await this.clients.close();
  }
}
