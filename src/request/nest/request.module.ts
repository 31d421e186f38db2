import { Logger, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AuditService } from '../../audit/audit.service.js';
import { AuthModule } from '../../auth/auth.module.js';
import { AuthorizationService } from '../../auth/authorization.service.js';
import { CallerAuthenticator } from '../../auth/caller/caller-authenticator.service.js';
import { AUTH_CLOCK, type Clock } from '../../auth/clock.js';
import { gatewayValidationPipe } from '../../common/validation/validation.pipe.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRequestPipeline, RequestPipeline } from '../request-pipeline.js';
import { EndpointRegistry } from './endpoint-registry.js';
import { pipeInputValidator } from './pipe-input-validator.js';
import { RateLimitStage } from '../rate-limit/rate-limit.stage.js';
import { RequestPipelineGuard } from './request-pipeline.guard.js';

/** The request pipeline, the endpoint registry it reads at start-up, and the one global guard. */
@Module({
  imports: [DiscoveryModule, AuthModule],
  providers: [
    EndpointRegistry,
    {
      provide: RequestPipeline,
      inject: [
        CallerAuthenticator,
        AuthorizationService,
        RateLimitStage,
        AuditService,
        MetricsService,
        AUTH_CLOCK,
      ],
      useFactory: (
        authenticator: CallerAuthenticator,
        authorization: AuthorizationService,
        rateLimiter: RateLimitStage,
        audit: AuditService,
        metrics: MetricsService,
        clock: Clock,
      ): RequestPipeline =>
        createRequestPipeline({
          authenticator,
          validator: pipeInputValidator(gatewayValidationPipe),
          authorization,
          rateLimiter,
          sourceIpOf: (req) => authorization.sourceIp(req),
          audit,
          metrics,
          clock,
          logger: new Logger('RequestPipeline'),
        }),
    },
    { provide: APP_GUARD, useClass: RequestPipelineGuard },
  ],
  exports: [EndpointRegistry],
})
export class RequestModule {}
