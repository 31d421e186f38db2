import type { FastifyInstance } from 'fastify';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import type { RequestPipeline } from '../request-pipeline.js';
import type { EndpointRegistry } from './endpoint-registry.js';

/**
 * Authentication before the body (DESIGN §5): a `preParsing` hook that, for a REST route requiring a
 * caller, runs the pipeline's authenticate stage on the headers, so a missing or bad credential is
 * answered 401 without reading or parsing the body. The caller stays on the request and the
 * pipeline's own authenticate stage reuses it. Public and unknown routes pass untouched, and so does
 * `/graphql`: introspection needs no caller, so only its resolvers can tell whether one is needed.
 */
export function installAuthenticationBeforeBody(
  fastify: FastifyInstance,
  endpoints: EndpointRegistry,
  pipeline: RequestPipeline,
): void {
  fastify.addHook('preParsing', (req: GatewayRequest, reply, payload, done) => {
    const endpoint = endpoints.routeEndpoint(req.method, req.routeOptions.url);
    if (endpoint === undefined) {
      done(null, payload);
      return;
    }
    const facts = {
      transport: 'http' as const,
      params: (req.params ?? {}) as Record<string, unknown>,
      query: (req.query ?? {}) as Record<string, unknown>,
      body: undefined,
      args: {},
      req,
      reply,
    };
    let pending: true | Promise<true>;
    try {
      pending = pipeline.authenticate(endpoint, facts);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (pending === true) {
      done(null, payload);
      return;
    }
    pending.then(
      () => done(null, payload),
      (error: unknown) => done(error as Error),
    );
  });
}
