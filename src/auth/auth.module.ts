import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { AuthorizationService } from './authorization.service.js';
import { CallerAuthenticator } from './caller/caller-authenticator.service.js';
import { AUTH_CLOCK, systemClock } from './clock.js';
import { MeController } from './me.controller.js';
import { MeResolver } from './me.resolver.js';
import { PrincipalsStore } from './principals/principals-store.js';
import { SimulationController } from './simulation.controller.js';
import { SimulationResolver } from './simulation.resolver.js';
import { SimulationService } from './simulation.service.js';

/**
 * Callers (principals, API keys, JWTs), the authorization service the request pipeline decides with,
 * and the `me` / `simulate` routes. Where buckets are comes from the global OSS module
 * (BUCKET_REGION_RESOLVER).
 */
@Module({
  controllers: [MeController, SimulationController],
  providers: [
    { provide: AUTH_CLOCK, useValue: systemClock },
    {
      provide: PrincipalsStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new PrincipalsStore({ file: config.auth.principalsFile, logger: new Logger('Principals') }),
    },
    CallerAuthenticator,
    AuthorizationService,
    SimulationService,
    MeResolver,
    SimulationResolver,
  ],
  exports: [PrincipalsStore, CallerAuthenticator, AuthorizationService, AUTH_CLOCK],
})
export class AuthModule {}
