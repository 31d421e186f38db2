import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { AppConfig } from './config/app.config.js';
import { ConfigModule } from './config/config.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OssBucketRegionResolver } from './oss/adapters/bucket-region-resolver.adapter.js';
import { OssModule } from './oss/oss.module.js';
import { ReplicationModule } from './replication/replication.module.js';

/** Imports the feature modules; no providers of its own beyond the global filter. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          // Stack traces are logged by the exception filter, never returned to callers.
          includeStacktraceInErrorResponses: false,
          path: '/graphql',
          fieldResolverEnhancers: ['guards', 'filters'],
          context: (req: unknown, reply: unknown) => ({ req, reply }),
        }),
        HealthModule,
        MetricsModule.forRoot(config),
        AuditModule,
        OssModule,
        AuthModule.forRoot({
          imports: [OssModule],
          bucketRegionResolver: { useExisting: OssBucketRegionResolver },
        }),
        ReplicationModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
