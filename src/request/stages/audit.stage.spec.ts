import { describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../auth/caller/caller.js';
import type { ActionRequirement } from '../../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../../auth/ram/actions.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest, RequestFacts } from '../../common/request-context/request-facts.js';
import type { PipelineRequest } from '../pipeline-request.js';
import { fakeAuditTrail } from '../__fixtures__/audit-trail.js';
import { auditGateStage, auditStage, dryRunOf, isMutation } from './audit.stage.js';

const NOW = new Date('2030-01-01T00:00:00Z');

function facts(overrides: Partial<RequestFacts> = {}, method = 'GET'): RequestFacts {
  return {
    transport: 'http',
    params: {},
    query: {},
    body: undefined,
    args: {},
    req: { id: 'req-1', method, url: '/v1/x', routeOptions: { url: '/v1/:b' } } as unknown as GatewayRequest,
    ...overrides,
  };
}

function request(on: RequestFacts, action = 'oss:PutBucketRtc'): PipelineRequest {
  const requirement: ActionRequirement = { action, resource: { kind: 'static', resource: '*' } };
  return {
    endpoint: { name: 'H.h', access: { kind: 'requires', requirement }, inputs: [] },
    requirement,
    facts: on,
  };
}

/** The error a stage throws at once. */
function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('not refused');
}

describe(isMutation.name, () => {
  it('counts GraphQL mutations and REST writes, but not a POST that only simulates', () => {
    expect(isMutation(facts({ transport: 'graphql', operation: 'query' }), 'oss:PutBucketRtc')).toBe(false);
    expect(isMutation(facts({ transport: 'graphql', operation: 'mutation' }), 'oss:PutBucketRtc')).toBe(true);
    // An operation of unknown type is treated as a change (fail closed).
    expect(isMutation(facts({ transport: 'graphql' }), 'oss:PutBucketRtc')).toBe(true);
    expect(isMutation(facts({}, 'GET'), 'oss:GetBucketReplication')).toBe(false);
    expect(isMutation(facts({}, 'DELETE'), 'oss:DeleteBucketReplication')).toBe(true);
    expect(isMutation(facts({}, 'POST'), GatewayAction.SimulatePolicy)).toBe(false);
  });
});

describe(dryRunOf.name, () => {
  it('reads the flag from GraphQL arguments, the body or the query string', () => {
    expect(dryRunOf(facts())).toBe(false);
    expect(dryRunOf(facts({ args: { dryRun: true } }))).toBe(true);
    expect(dryRunOf(facts({ body: { dryRun: true } }))).toBe(true);
    expect(dryRunOf(facts({ query: { dryRun: 'true' } }))).toBe(true);
    expect(dryRunOf(facts({ query: { dryRun: '1' } }))).toBe(true);
    expect(dryRunOf(facts({ query: { dryRun: 'false' } }))).toBe(false);
  });
});

describe(auditGateStage.name, () => {
  it('refuses changes while the audit trail cannot be written, and lets reads through', () => {
    const gate = auditGateStage(fakeAuditTrail({ available: false }));
    const refused = refusal(() => gate(request(facts({}, 'PUT'))));
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.code).toBe(ErrorCode.AuditUnavailable);
    expect(refused.details.retryAfterSeconds).toBe(1);
    expect(gate(request(facts({}, 'GET')))).toBeUndefined();
    expect(auditGateStage(fakeAuditTrail())(request(facts({}, 'PUT')))).toBe(undefined);
  });

  it('refuses every request, reads too, while the audit queue is over AUDIT_MAX_QUEUE', () => {
    const gate = auditGateStage(fakeAuditTrail({ backlogged: true }));
    for (const method of ['GET', 'PUT']) {
      const refused = refusal(() => gate(request(facts({}, method))));
      expect(refused.code).toBe(ErrorCode.AuditBackpressure);
      expect(refused.details.retryAfterSeconds).toBe(1);
    }
  });
});

function decided(
  on: RequestFacts,
  decision: 'Allow' | 'ImplicitDeny',
  resource = 'acs:oss:cn-hangzhou:1:b',
): PipelineRequest {
  const pending = request(on);
  pending.caller = { principalId: 'alice', keyId: 'alice-1' } as Caller;
  pending.decision = {
    decision,
    matchedStatements: [],
    missingContextKeys: [],
    action: 'oss:PutBucketRtc',
    resource,
  };
  return pending;
}

describe(auditStage.name, () => {
  it('leaves the decision on the request, counts it and records one decision event', async () => {
    const audit = fakeAuditTrail();
    const inc = vi.fn();
    const on = facts({ query: { dryRun: 'true' } }, 'PUT');
    const pending = decided(on, 'ImplicitDeny');
    pending.sourceIp = '192.0.2.1';
    await auditStage(audit, { decisions: { inc } }, () => NOW)(pending);

    expect(on.req.gateway).toMatchObject({ decision: pending.decision, sourceIp: '192.0.2.1' });
    expect(inc).toHaveBeenCalledWith({ action: 'oss:PutBucketRtc', decision: 'ImplicitDeny' });
    expect(audit.record).toHaveBeenCalledWith({
      time: NOW,
      requestId: 'req-1',
      transport: 'http',
      kind: 'decision',
      principal: 'alice',
      keyId: 'alice-1',
      sourceIp: '192.0.2.1',
      action: 'oss:PutBucketRtc',
      resource: 'acs:oss:cn-hangzhou:1:b',
      decision: 'ImplicitDeny',
      matchedStatements: [],
      operation: 'PUT /v1/:b',
      dryRun: true,
    });
  });

  it("waits for a mutation's decision to be committed, and not for a read's", async () => {
    const audit = fakeAuditTrail();
    let commit!: () => void;
    audit.committed.mockReturnValue(new Promise<void>((resolve) => (commit = resolve)));
    const stage = auditStage(audit, { decisions: { inc: vi.fn() } }, () => NOW);

    expect(stage(decided(facts({}, 'GET'), 'Allow'))).toBeUndefined();
    expect(audit.committed).not.toHaveBeenCalled();

    let done = false;
    const pending = Promise.resolve(stage(decided(facts({}, 'PUT'), 'Allow'))).then(() => (done = true));
    await Promise.resolve();
    expect(audit.committed).toHaveBeenCalledWith(2);
    expect(done).toBe(false);
    commit();
    await pending;
    expect(done).toBe(true);
  });

  it('fails the request when the decision cannot be committed', async () => {
    const audit = fakeAuditTrail();
    const failure = new DomainError(ErrorCode.AuditUnavailable, 'down');
    audit.committed.mockRejectedValue(failure);
    const stage = auditStage(audit, { decisions: { inc: vi.fn() } }, () => NOW);
    await expect(stage(decided(facts({}, 'PUT'), 'Allow'))).rejects.toBe(failure);
  });

  it('counts repeated decisions of one request into one event, per distinct resource', () => {
    const audit = fakeAuditTrail();
    const stage = auditStage(audit, { decisions: { inc: vi.fn() } }, () => NOW);
    const on = facts({ transport: 'graphql', operation: 'query', parentType: 'Query', fieldName: 'rules' });
    for (let i = 0; i < 1_000; i += 1) {
      expect(stage(decided(on, 'Allow'))).toBeUndefined();
    }
    expect(stage(decided(on, 'Allow', 'acs:oss:cn-hangzhou:1:other'))).toBeUndefined();
    expect(audit.record).toHaveBeenCalledTimes(2);
    expect(audit.repeat).toHaveBeenCalledTimes(999);
    expect(audit.repeat).toHaveBeenCalledWith(1);
    // Another request starts its own count.
    expect(stage(decided(facts({ transport: 'graphql', operation: 'query' }), 'Allow'))).toBeUndefined();
    expect(audit.record).toHaveBeenCalledTimes(3);
  });

  it('records a new event when the repeated one was already handed to the store', () => {
    const audit = fakeAuditTrail();
    audit.repeat.mockReturnValue(false);
    const stage = auditStage(audit, { decisions: { inc: vi.fn() } }, () => NOW);
    const on = facts({ transport: 'graphql', operation: 'query' });
    expect(stage(decided(on, 'Allow'))).toBeUndefined();
    expect(stage(decided(on, 'Allow'))).toBeUndefined();
    expect(audit.record).toHaveBeenCalledTimes(2);
  });
});
