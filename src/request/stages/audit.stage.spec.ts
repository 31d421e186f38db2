import { describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../auth/caller/caller.js';
import type { ActionRequirement } from '../../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../../auth/ram/actions.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest, RequestFacts } from '../../common/request-context/request-facts.js';
import type { PipelineRequest } from '../pipeline-request.js';
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
    const gate = auditGateStage({ available: false, record: () => undefined });
    const refused = refusal(() => gate(request(facts({}, 'PUT'))));
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.code).toBe(ErrorCode.AuditUnavailable);
    expect(gate(request(facts({}, 'GET')))).toBeUndefined();
    expect(auditGateStage({ available: true, record: () => undefined })(request(facts({}, 'PUT')))).toBe(
      undefined,
    );
  });
});

describe(auditStage.name, () => {
  it('leaves the decision on the request, counts it and records one decision event', () => {
    const record = vi.fn();
    const inc = vi.fn();
    const on = facts({ query: { dryRun: 'true' } }, 'PUT');
    const pending = request(on);
    pending.caller = { principalId: 'alice', keyId: 'alice-1' } as Caller;
    pending.decision = {
      decision: 'ImplicitDeny',
      matchedStatements: [],
      missingContextKeys: [],
      action: 'oss:PutBucketRtc',
      resource: 'acs:oss:cn-hangzhou:1:b',
    };
    pending.sourceIp = '192.0.2.1';
    expect(
      auditStage({ available: true, record }, { decisions: { inc } }, () => NOW)(pending),
    ).toBeUndefined();

    expect(on.req.gateway).toEqual({ decision: pending.decision, sourceIp: '192.0.2.1' });
    expect(inc).toHaveBeenCalledWith({ action: 'oss:PutBucketRtc', decision: 'ImplicitDeny' });
    expect(record).toHaveBeenCalledWith({
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
});
