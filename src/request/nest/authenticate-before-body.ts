import type { FastifyInstance, FastifyReply } from 'fastify';
import { presentedCredential } from '../../auth/caller/credentials.js';
import { sendGraphqlRequestError } from '../../common/errors/all-exceptions.filter.js';
import { toDomainError } from '../../common/errors/to-domain-error.js';
import type { GatewayRequest, RequestFacts } from '../../common/request-context/request-facts.js';
import { AUTHENTICATED, type Endpoint } from '../endpoint.js';
import type { RequestPipeline } from '../request-pipeline.js';
import type { EndpointRegistry } from './endpoint-registry.js';

export interface BeforeBodyOptions {
  /** Where GraphQL documents are posted. */
  graphqlPath: string;
  /**
   * `GATEWAY_GRAPHQL_EXPLORER`: when on, a document without credentials is read (introspection
   * needs no caller; every field that does answers UNAUTHENTICATED); when off, it is refused unread.
   */
  graphqlExplorer: boolean;
}

/** A GraphQL document as the edge sees it before reading it: it needs a caller, nothing more yet. */
const GRAPHQL_DOCUMENT: Endpoint = {
  name: 'GraphQL document',
  access: {
    kind: 'requires',
    requirement: { action: AUTHENTICATED, resource: { kind: 'static', resource: '*' } },
  },
  inputs: [],
};

/**
 * A refused request's body is never read; keeping the connection would make Node read and discard
 * it to find the next request. `Connection: close` ends the connection with the answer instead.
 */
function closeIfBodyUnread(req: GatewayRequest, reply: FastifyReply): void {
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
    void reply.header('connection', 'close');
  }
}

type Admission = (endpoint: Endpoint, facts: RequestFacts) => true | Promise<true>;

/**
 * The stages ahead of the body (DESIGN §5), as a `preParsing` hook, so a missing or bad credential is
 * answered 401 (and a caller over its limit 429) without reading or parsing the body:
 * - a REST route requiring a caller runs the pipeline's authenticate and rate-limit stages
 *   (`admit`); the pipeline goes on from there once the body is read;
 * - a GraphQL document runs authentication only (its fields are charged as they resolve) — unless
 *   it carries no credential at all and the explorer is on: then it is read (introspection) once
 *   charged to its source IP's anonymous limit; a refusal is answered
 *   as a GraphQL request error (`errors[0].extensions.code`, the HTTP status of the error table).
 * Public and unknown routes pass untouched.
 */
export function installAuthenticationBeforeBody(
  fastify: FastifyInstance,
  endpoints: EndpointRegistry,
  pipeline: RequestPipeline,
  options: BeforeBodyOptions,
): void {
  const admitRest: Admission = (endpoint, facts) => pipeline.admit(endpoint, facts);
  const authenticateOnly: Admission = (endpoint, facts) => pipeline.authenticate(endpoint, facts);
  const anonymous: Admission = (endpoint, facts) => pipeline.admitAnonymous(endpoint, facts);
  fastify.addHook('preParsing', (req: GatewayRequest, reply, payload, done) => {
    const url = req.routeOptions.url;
    let endpoint = endpoints.routeEndpoint(req.method, url);
    let admission = admitRest;
    let refuse = (error: unknown): void => {
      closeIfBodyUnread(req, reply);
      done(error as Error);
    };
    if (endpoint === undefined) {
      if (url !== options.graphqlPath || req.method !== 'POST') {
        done(null, payload);
        return;
      }
      endpoint = GRAPHQL_DOCUMENT;
      admission =
        options.graphqlExplorer && presentedCredential(req.headers).kind === 'none'
          ? anonymous
          : authenticateOnly;
      // Answered here, in the shape GraphQL clients read; `done` is not called once a reply is sent.
      refuse = (error) => {
        closeIfBodyUnread(req, reply);
        sendGraphqlRequestError(reply, toDomainError(error), req.id);
      };
    }
    const facts: RequestFacts = {
      transport: 'http',
      params: (req.params ?? {}) as Record<string, unknown>,
      query: (req.query ?? {}) as Record<string, unknown>,
      body: undefined,
      args: {},
      req,
      reply,
    };
    let pending: true | Promise<true>;
    try {
      pending = admission(endpoint, facts);
    } catch (error) {
      refuse(error);
      return;
    }
    if (pending === true) {
      done(null, payload);
      return;
    }
    pending.then(
      () => done(null, payload),
      (error: unknown) => refuse(error),
    );
  });
}
