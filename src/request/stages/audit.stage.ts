import type { AuditEventInput } from '../../audit/audit-event.js';
import type { Clock } from '../../auth/clock.js';
import { GatewayAction } from '../../auth/ram/actions.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { RequestFacts } from '../../common/request-context/request-facts.js';
import { callerOf, decisionOf, type Stage } from '../pipeline-request.js';

/** Where decisions go: the audit trail (append-only; batched, or committed before going on). */
export interface AuditTrail {
  /** False while the store cannot be written: then changes are refused. */
  readonly available: boolean;
  /** True while more events wait than the trail holds: then new requests are refused. */
  readonly backlogged: boolean;
  /** When a refused caller should try again. */
  readonly retryAfterSeconds: number;
  /** Queues an event (written in the background); answers its sequence number. */
  record(event: AuditEventInput): number;
  /** Counts one more occurrence into the queued event `seq`; false once it was handed to the store. */
  repeat(seq: number): boolean;
  /** Resolves once the event `seq` and everything before it are committed (rejects with a DomainError). */
  committed(seq: number): Promise<void>;
}

/** The decision counter (`gateway_authorization_decisions_total`). */
export interface DecisionMetrics {
  decisions: { inc(labels: { action: string; decision: string }): void };
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Actions that change nothing although their REST form is a POST. */
const READ_ONLY_ACTIONS = new Set<string>([GatewayAction.SimulatePolicy]);

/** Whether the request may change something: a GraphQL mutation, or a REST write that is not a read. */
export function isMutation(facts: RequestFacts, action: string): boolean {
  if (READ_ONLY_ACTIONS.has(action)) {
    return false;
  }
  if (facts.transport === 'graphql') {
    return facts.operation !== 'query';
  }
  return !READ_METHODS.has(facts.req.method.toUpperCase());
}

/** Whether the caller asked for a dry run (`dryRun` argument, body field or query flag). */
export function dryRunOf(facts: RequestFacts): boolean {
  const fromQuery = facts.query.dryRun;
  const fromBody = (facts.body as { dryRun?: unknown } | undefined)?.dryRun;
  return facts.args.dryRun === true || fromBody === true || fromQuery === 'true' || fromQuery === '1';
}

/** How the audit names the operation: `GET /v1/me`, `Query.replicationRules`. */
export function operationOf(facts: RequestFacts): string {
  return facts.transport === 'graphql'
    ? `${facts.parentType}.${facts.fieldName}`
    : `${facts.req.method} ${facts.req.routeOptions?.url ?? facts.req.url}`;
}

/**
 * The audit trail's admission, before any lookup is made: while more events wait to be written than
 * `AUDIT_MAX_QUEUE`, every request is refused (503 `AUDIT_BACKPRESSURE`, `Retry-After`) until the queue
 * drains — nothing is ever dropped instead. Mutations are audited durably before anything is
 * forwarded, so while the audit store cannot be written they are refused (503); reads still work.
 */
export function auditGateStage(audit: AuditTrail): Stage {
  return ({ requirement, facts }) => {
    if (audit.backlogged) {
      throw new DomainError(
        ErrorCode.AuditBackpressure,
        'The audit trail is writing a backlog of events; new requests are refused until it drains. Try again shortly.',
        { retryAfterSeconds: audit.retryAfterSeconds },
      );
    }
    if (!audit.available && isMutation(facts, requirement.action)) {
      throw new DomainError(
        ErrorCode.AuditUnavailable,
        'The audit trail cannot be written right now, so changes are refused; reads still work. Try again shortly.',
        { retryAfterSeconds: audit.retryAfterSeconds },
      );
    }
  };
}

/**
 * audit the decision: left on `req.gateway.decision` (and the caller's address on
 * `req.gateway.sourceIp`) for the audit of forwarded calls, counted, and recorded as one `decision`
 * event — denials included. One request records one event per distinct (action, resource, decision,
 * dry run): GraphQL aliases of one field are counted into its `repeats`. A mutation's (or dry run's)
 * event is committed before the request goes on — nothing is forwarded before its decision is stored;
 * a read's is written in the background.
 */
export function auditStage(audit: AuditTrail, metrics: DecisionMetrics, clock: Clock): Stage {
  return (request) => {
    const { facts } = request;
    const caller = callerOf(request);
    const decision = decisionOf(request);
    facts.req.gateway ??= {};
    facts.req.gateway.decision = decision;
    if (request.sourceIp !== undefined) {
      facts.req.gateway.sourceIp = request.sourceIp;
    }
    metrics.decisions.inc({ action: decision.action, decision: decision.decision });
    const dryRun = dryRunOf(facts);
    const durable = isMutation(facts, decision.action);
    // Only a GraphQL request can decide twice (aliases, repeated fields): a REST request decides once,
    // so it keeps no table of its decisions.
    let recorded: Map<string, number> | undefined;
    let key = '';
    if (facts.transport === 'graphql') {
      key = `${decision.action}\n${decision.resource}\n${decision.decision}\n${dryRun ? 1 : 0}`;
      recorded = facts.req.gateway.auditedDecisions ??= new Map<string, number>();
      const previous = recorded.get(key);
      if (previous !== undefined && audit.repeat(previous)) {
        return durable ? audit.committed(previous) : undefined;
      }
    }
    // Built field by field rather than with conditional spreads: this runs on every request.
    const event: AuditEventInput = {
      time: clock(),
      requestId: String(facts.req.id),
      transport: facts.transport,
      kind: 'decision',
      principal: caller.principalId,
      action: decision.action,
      resource: decision.resource,
      decision: decision.decision,
      // A fresh array per evaluation, of frozen entries: safe to keep as it is.
      matchedStatements: decision.matchedStatements,
      operation: operationOf(facts),
      dryRun,
    };
    if (caller.keyId !== undefined) {
      event.keyId = caller.keyId;
    }
    if (request.sourceIp !== undefined) {
      event.sourceIp = request.sourceIp;
    }
    if (request.userAgent !== undefined) {
      event.userAgent = request.userAgent;
    }
    if (facts.req.gateway.clientRequestId !== undefined) {
      event.clientRequestId = facts.req.gateway.clientRequestId;
    }
    const seq = audit.record(event);
    recorded?.set(key, seq);
    return durable ? audit.committed(seq) : undefined;
  };
}
