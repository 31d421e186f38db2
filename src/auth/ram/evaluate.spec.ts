import { describe, expect, it } from 'vitest';
import {
  AliyunOSSFullAccess,
  AliyunOSSReadOnlyAccess,
  BUILTIN_POLICIES,
  GatewayAction,
  GatewayAdministratorAccess,
  InvalidContextError,
  OssAction,
  REPLICATION_ACTIONS,
  bucketArn,
  compilePolicies,
  evaluate,
  isBuiltinPolicyName,
  validatePolicyDocument,
  type PolicyDocument,
} from './index.js';

const RESOURCE = bucketArn('oss-cn-hangzhou', '1234567890123456', 'src-bucket');

function setOf(...documents: PolicyDocument[]) {
  return compilePolicies(documents.map((document, i) => ({ name: `p${i}`, document })));
}

describe(evaluate.name, () => {
  it('denies by default with nothing to explain', () => {
    expect(evaluate(setOf(), { action: OssAction.PutBucketRtc, resource: RESOURCE })).toEqual({
      decision: 'ImplicitDeny',
      matchedStatements: [],
      missingContextKeys: [],
    });
  });

  it('builds a context given as a function only when a statement has conditions, once, with the same decision', () => {
    const plain = setOf({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:PutBucketRtc', Resource: '*' }],
    });
    const conditional = setOf({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'oss:PutBucketRtc',
          Resource: '*',
          Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
        },
        {
          Effect: 'Deny',
          Action: 'oss:PutBucketRtc',
          Resource: '*',
          Condition: { StringEquals: { 'acs:SecureTransport': 'false' } },
        },
      ],
    });
    const context = { 'acs:SourceIp': '10.1.2.3', 'acs:SecureTransport': 'true' };
    let calls = 0;
    const lazy = () => {
      calls += 1;
      return context;
    };
    const request = { action: OssAction.PutBucketRtc, resource: RESOURCE };

    expect(evaluate(plain, { ...request, context: lazy }).decision).toBe('Allow');
    expect(calls).toBe(0);
    expect(evaluate(conditional, { ...request, context: lazy })).toEqual(
      evaluate(conditional, { ...request, context }),
    );
    expect(calls).toBe(1);
  });

  it('names the deciding statement with its Sid', () => {
    const set = setOf({
      Version: '1',
      Statement: [{ Sid: 'RtcAdmins', Effect: 'Allow', Action: 'oss:PutBucketRtc', Resource: '*' }],
    });

    expect(evaluate(set, { action: OssAction.PutBucketRtc, resource: RESOURCE }).matchedStatements).toEqual([
      { policy: 'p0', statement: 0, sid: 'RtcAdmins', effect: 'Allow' },
    ]);
  });

  it('reports missing keys even when an explicit deny decided', () => {
    const set = setOf({
      Version: '1',
      Statement: [
        { Effect: 'Deny', Action: 'oss:*', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'oss:*',
          Resource: '*',
          Condition: { Bool: { 'acs:SecureTransport': 'true' } },
        },
      ],
    });

    const decision = evaluate(set, { action: OssAction.PutBucketRtc, resource: RESOURCE, context: {} });

    expect(decision.decision).toBe('ExplicitDeny');
    expect(decision.missingContextKeys).toEqual(['acs:SecureTransport']);
  });

  it('gives the same answer from its memo as from a fresh compile', () => {
    const doc: PolicyDocument = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:Get*', Resource: 'acs:oss:*:*:src-*' },
        { Effect: 'Deny', Action: 'oss:GetBucketReplication', Resource: 'acs:oss:*:*:src-secret' },
      ],
    };
    const warm = setOf(doc);
    const requests = ['src-a', 'src-secret', 'other', 'src-a', 'src-secret'].map((bucket) => ({
      action: OssAction.GetBucketReplication,
      resource: bucketArn('cn-hangzhou', '1', bucket),
    }));

    for (const request of requests) {
      expect(evaluate(warm, request)).toEqual(evaluate(setOf(doc), request));
    }
  });

  it('refuses a context with two keys that differ only in case', () => {
    const set = setOf({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'oss:*',
          Resource: '*',
          Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
        },
      ],
    });

    expect(() =>
      evaluate(set, {
        action: OssAction.PutBucketRtc,
        resource: RESOURCE,
        context: { 'acs:SourceIp': '10.0.0.1', 'ACS:SOURCEIP': '8.8.8.8' },
      }),
    ).toThrow(InvalidContextError);
  });

  it('refuses a context value that is not a scalar or an array of scalars', () => {
    const set = setOf({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: { StringEquals: { k: 'v' } } },
      ],
    });
    const context = { k: { nested: true } } as unknown as Record<string, string>;

    expect(() => evaluate(set, { action: OssAction.PutBucketRtc, resource: RESOURCE, context })).toThrow(
      InvalidContextError,
    );
  });

  it('returns decisions whose statement entries cannot be altered by a caller', () => {
    const set = setOf(AliyunOSSFullAccess);
    const first = evaluate(set, { action: OssAction.PutBucketRtc, resource: RESOURCE });

    expect(() => {
      (first.matchedStatements[0] as { effect: string }).effect = 'Deny';
    }).toThrow(TypeError);
    expect(
      evaluate(set, { action: OssAction.PutBucketRtc, resource: RESOURCE }).matchedStatements[0].effect,
    ).toBe('Allow');
  });
});

describe('built-in policies', () => {
  it('are valid documents', () => {
    for (const document of Object.values(BUILTIN_POLICIES)) {
      expect(validatePolicyDocument(document)).toEqual([]);
    }
  });

  it('grant what their names say', () => {
    const full = setOf(AliyunOSSFullAccess);
    const readOnly = setOf(AliyunOSSReadOnlyAccess);
    const admin = setOf(GatewayAdministratorAccess);
    const on = (action: string) => ({ action, resource: RESOURCE });

    expect(REPLICATION_ACTIONS.map((a) => evaluate(full, on(a)).decision)).toEqual(Array(6).fill('Allow'));
    expect(
      Object.fromEntries(REPLICATION_ACTIONS.map((a) => [a, evaluate(readOnly, on(a)).decision])),
    ).toEqual({
      'oss:GetBucketReplication': 'Allow',
      'oss:PutBucketReplication': 'ImplicitDeny',
      'oss:PutBucketRtc': 'ImplicitDeny',
      'oss:DeleteBucketReplication': 'ImplicitDeny',
      'oss:GetBucketReplicationProgress': 'Allow',
      'oss:GetBucketReplicationLocation': 'Allow',
    });
    expect(evaluate(admin, on(GatewayAction.SimulatePolicy)).decision).toBe('Allow');
    expect(evaluate(admin, on(OssAction.GetBucketReplication)).decision).toBe('ImplicitDeny');
    expect(evaluate(full, on(GatewayAction.ListAuditEvents)).decision).toBe('ImplicitDeny');
  });

  it('cannot be modified', () => {
    expect(Object.isFrozen((AliyunOSSFullAccess.Statement as unknown[])[0])).toBe(true);
  });

  it('are recognised by exact name only', () => {
    expect(isBuiltinPolicyName('AliyunOSSReadOnlyAccess')).toBe(true);
    expect(isBuiltinPolicyName('aliyunossreadonlyaccess')).toBe(false);
    expect(isBuiltinPolicyName('toString')).toBe(false);
  });
});

describe(bucketArn.name, () => {
  it('strips the oss- prefix from the region', () => {
    expect(bucketArn('oss-cn-beijing', '1234567890123456', 'b')).toBe(
      'acs:oss:cn-beijing:1234567890123456:b',
    );
    expect(bucketArn('cn-beijing', '1234567890123456', 'b')).toBe('acs:oss:cn-beijing:1234567890123456:b');
  });

  it('uses * for an unknown account', () => {
    expect(bucketArn('cn-beijing', undefined, 'b')).toBe('acs:oss:cn-beijing:*:b');
    expect(bucketArn('cn-beijing', '', 'b')).toBe('acs:oss:cn-beijing:*:b');
  });
});

describe('REPLICATION_ACTIONS', () => {
  it('lists the six replication actions once each, in the design order', () => {
    expect(REPLICATION_ACTIONS).toEqual([
      'oss:GetBucketReplication',
      'oss:PutBucketReplication',
      'oss:PutBucketRtc',
      'oss:DeleteBucketReplication',
      'oss:GetBucketReplicationProgress',
      'oss:GetBucketReplicationLocation',
    ]);
    expect(new Set(Object.values(OssAction))).toEqual(new Set(REPLICATION_ACTIONS));
  });
});
