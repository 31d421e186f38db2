import { fakeAuditTrail } from '../__fixtures__/audit-trail.js';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../auth/caller/caller.js';
import { bucketArn, type ActionRequirement } from '../../auth/decorators/requires-action.decorator.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import type { PipelineRequest } from '../pipeline-request.js';
import { type Authorization, authorizeStage, enforceStage } from './authorize.stage.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const caller = { principalId: 'alice', keyId: 'alice-1' } as Caller;

function request(): PipelineRequest {
  const requirement: ActionRequirement = {
    action: 'oss:GetBucketReplication',
    resource: bucketArn('bucket'),
  };
  return {
    endpoint: { name: 'H.h', access: { kind: 'requires', requirement }, inputs: [] },
    requirement,
    caller,
    facts: {
      transport: 'http',
      params: { bucket: 'src-1' },
      query: {},
      body: undefined,
      args: {},
      req: { id: 'req-1', method: 'GET', url: '/x', headers: {} } as unknown as GatewayRequest,
    },
  };
}

function authorization(resource: Authorization['resource']): Authorization {
  return {
    resource,
    conditionContext: () => ({ context: () => ({}), sourceIp: '192.0.2.1', userAgent: 'spec/1' }),
    decide: () => ({ decision: 'Allow', matchedStatements: [], missingContextKeys: [] }),
    bucketNamedBy: () => 'src-1',
    unresolvedBucketResource: (bucket) => `acs:oss:*:1:${bucket}`,
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

describe(authorizeStage.name, () => {
  it('decides at once when the resource is known at once', () => {
    const pending = request();
    const stage = authorizeStage(
      authorization(() => 'acs:oss:cn-hangzhou:1:src-1'),
      fakeAuditTrail(),
      () => NOW,
    );
    expect(stage(pending)).toBeUndefined();
    expect(pending.decision).toMatchObject({
      decision: 'Allow',
      action: 'oss:GetBucketReplication',
      resource: 'acs:oss:cn-hangzhou:1:src-1',
    });
    expect(pending).toMatchObject({ sourceIp: '192.0.2.1', userAgent: 'spec/1' });
  });

  it('audits a region lookup that failed as the OSS call it was, and fails closed', async () => {
    const audit = fakeAuditTrail();
    const record = audit.record;
    const failure = new DomainError(ErrorCode.UpstreamError, 'refused', {
      oss: { code: 'AccessDenied', message: 'refused', requestId: 'oss-1', status: 403 },
    });
    const stage = authorizeStage(
      authorization(() => Promise.reject(failure)),
      audit,
      () => NOW,
    );
    const pending = request();
    await expect(stage(pending)).rejects.toBe(failure);
    expect(pending.decision).toBeUndefined();
    expect(record).toHaveBeenCalledWith({
      time: NOW,
      requestId: 'req-1',
      transport: 'http',
      kind: 'oss-call',
      principal: 'alice',
      keyId: 'alice-1',
      sourceIp: '192.0.2.1',
      userAgent: 'spec/1',
      action: 'oss:GetBucketReplication',
      resource: 'acs:oss:*:1:src-1',
      operation: 'GetBucketLocation',
      outcomeStatus: 403,
      ossErrorCode: 'AccessDenied',
      ossRequestId: 'oss-1',
      dryRun: false,
    });
  });
});

describe('enforceStage', () => {
  it('refuses anything but Allow with a 403 that explains the decision', () => {
    const pending = request();
    pending.decision = {
      decision: 'ExplicitDeny',
      matchedStatements: [{ policy: 'P', statement: 0, effect: 'Deny' }],
      missingContextKeys: [],
      action: 'oss:GetBucketReplication',
      resource: 'acs:oss:cn-hangzhou:1:src-1',
    };
    const refused = refusal(() => enforceStage(pending));
    expect(refused.code).toBe(ErrorCode.AccessDenied);
    expect(refused.details.authorization).toEqual({
      decision: 'ExplicitDeny',
      action: 'oss:GetBucketReplication',
      resource: 'acs:oss:cn-hangzhou:1:src-1',
      matchedStatements: [{ policy: 'P', statement: 0, effect: 'Deny' }],
      missingContextKeys: [],
    });
    pending.decision = { ...pending.decision, decision: 'Allow' };
    expect(enforceStage(pending)).toBeUndefined();
  });
});
