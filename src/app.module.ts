import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { AppConfig } from './config/app.config.js';
import { ConfigModule } from './config/config.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { introspectionOff } from './docs/graphql-explorer.js';
import {
  formatLimitError,
  GRAPHQL_PARSE_OPTIONS,
  graphqlLimitRules,
} from './common/graphql/graphql-limits.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { FleetModule } from './fleet/fleet.module.js';
import type { Inventory } from './fleet/inventory/inventory.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OssModule } from './upstream/oss.module.js';
import { ReplicationModule } from './replication/replication.module.js';
import { RequestModule } from './request/nest/request.module.js';
import { RateLimitModule } from './request/rate-limit/rate-limit.module.js';

/** Imports the feature modules; no providers of its own beyond the global filter. */
@Module({})
export class AppModule {
  /** `imports` come ahead of the feature modules (a global guard there runs before the pipeline's). */
  static forRoot(
    config: AppConfig,
    imports: NonNullable<ModuleMetadata['imports']> = [],
    fleet: { inventory?: Inventory } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ...imports,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          sortSchema: true,
          // Playground is served by docs.setup.ts; introspection is refused by the explorer rule (its
          // message names GATEWAY_GRAPHQL_EXPLORER) rather than by Apollo's own.
          playground: false,
          introspection: true,
          validationRules: [
            ...(config.graphqlExplorer ? [] : [introspectionOff]),
            ...graphqlLimitRules(config.graphqlMaxCost),
          ],
          // GraphQL limits (DESIGN §9): tokens while parsing, the others as validation rules above.
          parseOptions: GRAPHQL_PARSE_OPTIONS,
          formatError: formatLimitError,
          allowBatchedHttpRequests: false,
          // Stack traces are logged by the exception filter, never returned to callers.
          includeStacktraceInErrorResponses: false,
          path: '/graphql',
          fieldResolverEnhancers: ['guards', 'filters'],
          context: (req: unknown, reply: unknown) => ({ req, reply }),
        }),
        HealthModule,
        MetricsModule.forRoot(config),
        AuditModule,
        RateLimitModule,
        OssModule,
        AuthModule,
        RequestModule,
        ReplicationModule,
        FleetModule.forRoot(fleet),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
