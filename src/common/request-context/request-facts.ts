import type { ExecutionContext, ArgumentsHost } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the gateway keeps on each request (Fastify request decorated by the auth layer). */
export interface GatewayRequestState {
  /** Set by the authentication step. */
  caller?: unknown;
  /** Set by the request pipeline: the decision that let this request through. */
  decision?: unknown;
  /** Set by the request pipeline: the caller's address as authorization saw it (`acs:SourceIp`). */
  sourceIp?: string;
  /** Set by the HTTP edge: the caller's own `X-Request-Id` when it is not the request's id (audited). */
  clientRequestId?: string;
  /** Set by the HTTP edge: a REST request authenticated and rate-limited before its body was read. */
  admitted?: boolean;
  /**
   * Set by the audit stage: the decision events this request recorded, by (action, resource, decision,
   * dry run), as the audit trail's sequence numbers — a repeated decision is counted into its event.
   */
  auditedDecisions?: Map<string, number>;
}

export type GatewayRequest = FastifyRequest & { gateway?: GatewayRequestState };

/** Transport-neutral view of a request: the same selectors work for REST params and GraphQL args. */
export interface RequestFacts {
  transport: 'http' | 'graphql';
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  args: Record<string, unknown>;
  req: GatewayRequest;
  reply?: FastifyReply;
  /** GraphQL: the operation the field belongs to. */
  operation?: 'query' | 'mutation' | 'subscription';
  /** GraphQL: the field being resolved, and the type it belongs to (`ReplicationRule.progress`). */
  fieldName?: string;
  parentType?: string;
  parent?: unknown;
}

export function isGraphql(host: ArgumentsHost): boolean {
  return host.getType<GqlContextType>() === 'graphql';
}

interface GqlContextShape {
  req?: GatewayRequest;
  request?: GatewayRequest;
  reply?: FastifyReply;
}

/** Normalises an HTTP or GraphQL execution context into RequestFacts. */
export function requestFacts(context: ExecutionContext): RequestFacts {
  if (isGraphql(context)) {
    const gql = GqlExecutionContext.create(context);
    const ctx = gql.getContext<GqlContextShape>();
    const info = gql.getInfo<{
      fieldName: string;
      parentType: { name: string };
      operation?: { operation?: RequestFacts['operation'] };
    }>();
    const req = (ctx.req ?? ctx.request)!;
    return {
      transport: 'graphql',
      params: {},
      query: {},
      body: undefined,
      args: gql.getArgs<Record<string, unknown>>(),
      req,
      ...(ctx.reply ? { reply: ctx.reply } : {}),
      ...(info.operation?.operation ? { operation: info.operation.operation } : {}),
      fieldName: info.fieldName,
      parentType: info.parentType.name,
      parent: gql.getRoot<unknown>(),
    };
  }
  const http = context.switchToHttp();
  const req = http.getRequest<GatewayRequest>();
  return {
    transport: 'http',
    params: (req.params ?? {}) as Record<string, unknown>,
    query: (req.query ?? {}) as Record<string, unknown>,
    body: req.body,
    args: {},
    req,
    reply: http.getResponse<FastifyReply>(),
  };
}

/** The Fastify request behind an HTTP or GraphQL host (for filters and interceptors). */
export function requestOf(host: ArgumentsHost): GatewayRequest | undefined {
  if (isGraphql(host)) {
    const ctx = GqlExecutionContext.create(host as ExecutionContext).getContext<GqlContextShape>();
    return ctx.req ?? ctx.request;
  }
  return host.switchToHttp().getRequest<GatewayRequest>();
}
