import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requestFacts, type GatewayRequest } from '../common/request-context/request-facts.js';
import { RequestUpstream } from './request-upstream.js';

/** Who asked and through which request: what the audit events of forwarded OSS calls carry. */
export interface CallContext {
  requestId: string;
  /** The caller's own X-Request-Id when the gateway minted the request's id instead. */
  clientRequestId?: string;
  transport: 'http' | 'graphql';
  principal?: string;
  keyId?: string;
  sourceIp?: string;
  userAgent?: string;
  /** The request's upstream state (budget, shared reads, cancellation); one per request, shared by its fields. */
  upstream?: RequestUpstream;
}

const upstreams = new WeakMap<GatewayRequest, RequestUpstream>();

/**
 * The request's RequestUpstream, made on first use. Its signal fires when the response closes:
 * sent, or the client went away first — either way nothing pending upstream is still wanted.
 */
function upstreamOf(req: GatewayRequest, reply: FastifyReply | undefined): RequestUpstream {
  let upstream = upstreams.get(req);
  if (!upstream) {
    const created = new RequestUpstream();
    upstream = created;
    upstreams.set(req, created);
    if (reply) {
      if (reply.raw.writableFinished || reply.raw.destroyed) {
        created.cancel();
      } else {
        reply.raw.once('close', () => created.cancel());
      }
    }
  }
  return upstream;
}

interface CallerShape {
  principalId?: unknown;
  keyId?: unknown;
}

/** Builds the CallContext of a request once the request pipeline has authenticated it. */
export function callContextOf(
  req: GatewayRequest,
  transport: CallContext['transport'],
  reply?: FastifyReply,
): CallContext {
  const caller = (req.gateway?.caller ?? {}) as CallerShape;
  const userAgent = req.headers['user-agent'];
  // Assigned field by field rather than with conditional spreads: this runs on every request.
  const ctx: CallContext = { requestId: String(req.id), transport, upstream: upstreamOf(req, reply) };
  if (typeof caller.principalId === 'string') {
    ctx.principal = caller.principalId;
  }
  if (typeof caller.keyId === 'string') {
    ctx.keyId = caller.keyId;
  }
  if (req.gateway?.clientRequestId !== undefined) {
    ctx.clientRequestId = req.gateway.clientRequestId;
  }
  if (req.gateway?.sourceIp !== undefined) {
    ctx.sourceIp = req.gateway.sourceIp;
  }
  if (typeof userAgent === 'string') {
    ctx.userAgent = userAgent.slice(0, 512);
  }
  return ctx;
}

/** Handler parameter: the CallContext of the current REST or GraphQL request. */
export const Call = createParamDecorator((_data: unknown, context: ExecutionContext): CallContext => {
  const facts = requestFacts(context);
  return callContextOf(facts.req, facts.transport, facts.reply);
});
