import { type DynamicModule, Logger, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { AuthorizationService } from './authorization.service.js';
import { CallerAuthenticator } from './caller/caller-authenticator.service.js';
import { AUTH_CLOCK, systemClock } from './clock.js';
import { MeController } from './me.controller.js';
import { MeResolver } from './me.resolver.js';
import { PermissionSurfaceVerifier } from './permission-surface.js';
import { BUCKET_REGION_RESOLVER, type BucketRegionResolver } from './ports/bucket-region-resolver.port.js';
import { PrincipalsStore } from './principals/principals-store.js';
import { RamGuard } from './ram.guard.js';
import { SimulationController } from './simulation.controller.js';
import { SimulationResolver } from './simulation.resolver.js';
import { SimulationService } from './simulation.service.js';

type RegionResolverProvider =
  | { useClass: new (...args: never[]) => BucketRegionResolver }
  | {
      useFactory: (...args: never[]) => BucketRegionResolver | Promise<BucketRegionResolver>;
      inject?: unknown[];
    }
  | { useExisting: unknown }
  | { useValue: BucketRegionResolver };

export interface AuthModuleOptions {
  /** Modules the region resolver needs (e.g. the OSS module). */
  imports?: ModuleMetadata['imports'];
  /**
   * How to provide BUCKET_REGION_RESOLVER. Default: every bucket is in `config.oss.region`. The
   * replication feature passes an OSS GetBucketLocation-backed implementation here.
   */
  bucketRegionResolver?: RegionResolverProvider;
}

/** Every bucket is in the configured region (used until a real resolver is plugged in). */
export class ConfiguredRegionResolver implements BucketRegionResolver {
  constructor(private readonly region: string) {}

  regionOf(): Promise<string> {
    return Promise.resolve(this.region);
  }

  cachedRegionOf(): string {
    return this.region;
  }
}

/**
 * Callers, the one global guard (APP_GUARD), the start-up check that every route and resolver
 * declares its permission, and the `me` / `simulate` routes.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    const regionProvider: Provider = options.bucketRegionResolver
      ? ({ provide: BUCKET_REGION_RESOLVER, ...options.bucketRegionResolver } as Provider)
      : {
          provide: BUCKET_REGION_RESOLVER,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => new ConfiguredRegionResolver(config.oss.region),
        };
    return {
      module: AuthModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      controllers: [MeController, SimulationController],
      providers: [
        { provide: AUTH_CLOCK, useValue: systemClock },
        {
          provide: PrincipalsStore,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            new PrincipalsStore({ file: config.auth.principalsFile, logger: new Logger('Principals') }),
        },
        regionProvider,
        CallerAuthenticator,
        AuthorizationService,
        SimulationService,
        MeResolver,
        SimulationResolver,
        PermissionSurfaceVerifier,
        RamGuard,
        // The one global guard; the same instance serves the REST fast lane (`installFastLane`).
        { provide: APP_GUARD, useExisting: RamGuard },
      ],
      exports: [PrincipalsStore, CallerAuthenticator, AuthorizationService, AUTH_CLOCK, RamGuard],
    };
  }
}
