import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { requestFacts } from '../../common/request-context/request-facts.js';
import { RequestPipeline } from '../request-pipeline.js';
import { EndpointRegistry } from './endpoint-registry.js';

/**
 * The one global guard (APP_GUARD): adapts the request pipeline to Nest for every controller route
 * and every resolver, field resolvers included (`fieldResolverEnhancers: ['guards']`). It only finds
 * the endpoint and normalises the request into RequestFacts; the pipeline decides.
 */
@Injectable()
export class RequestPipelineGuard implements CanActivate {
  constructor(
    private readonly endpoints: EndpointRegistry,
    private readonly pipeline: RequestPipeline,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const endpoint = this.endpoints.endpointOf(context.getClass(), context.getHandler());
    const type = context.getType<GqlContextType>();
    if (type !== 'http' && type !== 'graphql') {
      if (endpoint.access.kind === 'public') {
        return true;
      }
      throw new DomainError(ErrorCode.AccessDenied, `Transport ${type} is not supported.`);
    }
    return this.pipeline.run(endpoint, requestFacts(context));
  }
}
