import type { AuditEvent, AuditEventPageResult, AuditEventQueryFilter } from './audit-event.js';
import type { AuthorizationDecision, PolicyEffect } from '../auth/dto/authorization-enums.js';
import type { AuditEventKind, AuditTransport } from './dto/audit-enums.js';
import type { AuditEventFilter } from './dto/audit-event-filter.input.js';
import { AuditEventPage, AuditEventType, AuditMatchedStatementType } from './dto/audit-event.type.js';
import type { AuditChainFailure, AuditVerificationReport } from './audit-chain.js';
import {
  AuditChainCheckpointType,
  type AuditChainFailureReason,
  AuditChainFailureType,
  AuditChainType,
  AuditVerificationType,
} from './dto/audit-verification.type.js';

/** API filter (either transport) → service filter. */
export function toAuditQueryFilter(filter: AuditEventFilter | undefined): AuditEventQueryFilter {
  const out: AuditEventQueryFilter = {};
  if (!filter) {
    return out;
  }
  if (filter.principal !== undefined && filter.principal !== null) {
    out.principal = filter.principal;
  }
  if (filter.action !== undefined && filter.action !== null) {
    out.action = filter.action;
  }
  if (filter.decision !== undefined && filter.decision !== null) {
    out.decision = filter.decision;
  }
  if (filter.bucket !== undefined && filter.bucket !== null) {
    out.bucket = filter.bucket;
  }
  if (filter.kind !== undefined && filter.kind !== null) {
    out.kind = filter.kind;
  }
  if (filter.requestId !== undefined && filter.requestId !== null) {
    out.requestId = filter.requestId;
  }
  if (filter.from instanceof Date) {
    out.from = filter.from;
  }
  if (filter.to instanceof Date) {
    out.to = filter.to;
  }
  return out;
}

/** Stored event → API view (REST body and GraphQL object alike). */
export function toAuditEventType(event: AuditEvent): AuditEventType {
  const view = new AuditEventType();
  view.id = event.id;
  view.time = event.time;
  view.requestId = event.requestId;
  view.transport = event.transport as AuditTransport;
  view.kind = event.kind as AuditEventKind;
  view.action = event.action;
  view.resource = event.resource;
  view.dryRun = event.dryRun;
  const optional = {
    principal: event.principal,
    keyId: event.keyId,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    clientRequestId: event.clientRequestId,
    bucket: event.bucket,
    decision: event.decision as AuthorizationDecision | undefined,
    matchedStatements: event.matchedStatements?.map((s) => {
      const statement = new AuditMatchedStatementType();
      statement.policy = s.policy;
      statement.statement = s.statement;
      if (s.sid !== undefined) {
        statement.sid = s.sid;
      }
      statement.effect = s.effect as PolicyEffect;
      return statement;
    }),
    operation: event.operation,
    outcomeStatus: event.outcomeStatus,
    ossRequestId: event.ossRequestId,
    ossErrorCode: event.ossErrorCode,
    latencyMs: event.latencyMs,
    repeats: event.repeats,
    instanceId: event.chain?.instanceId,
    seq: event.chain?.seq,
    previousHash: event.chain?.previousHash,
    hash: event.chain?.hash,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) {
      Object.assign(view, { [key]: value });
    }
  }
  return view;
}

/** Verification report → API view (REST body and GraphQL object alike). */
export function toAuditVerificationType(report: AuditVerificationReport): AuditVerificationType {
  const failure = (f: AuditChainFailure): AuditChainFailureType =>
    Object.assign(new AuditChainFailureType(), f, { reason: f.reason as AuditChainFailureReason });
  const view = new AuditVerificationType();
  view.valid = report.valid;
  view.verifiedAt = report.verifiedAt;
  view.checked = report.eventsVerified;
  view.firstBrokenEventId = report.firstFailure?.eventId ?? null;
  view.unchainedEvents = report.unchainedEvents;
  view.instances = report.chains.map((c) => {
    const chain = new AuditChainType();
    chain.instanceId = c.instanceId;
    chain.valid = c.failure === undefined;
    chain.events = c.events;
    if (c.firstSeq !== undefined) {
      chain.firstSeq = c.firstSeq;
    }
    if (c.lastSeq !== undefined) {
      chain.lastSeq = c.lastSeq;
    }
    if (c.headHash !== undefined) {
      chain.headHash = c.headHash;
    }
    if (c.checkpoint) {
      chain.checkpoint = Object.assign(new AuditChainCheckpointType(), {
        seq: c.checkpoint.seq,
        hash: c.checkpoint.hash,
        prunedAt: c.checkpoint.prunedAt,
      });
    }
    if (c.failure) {
      chain.failure = failure(c.failure);
    }
    return chain;
  });
  view.firstFailure = report.firstFailure ? failure(report.firstFailure) : null;
  return view;
}

export function toAuditEventPage(page: AuditEventPageResult): AuditEventPage {
  const out = new AuditEventPage();
  out.items = page.items.map(toAuditEventType);
  out.nextCursor = page.nextCursor;
  return out;
}
