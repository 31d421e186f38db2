import { describe, expect, it } from 'vitest';
import {
  AliyunOSSFullAccess,
  AliyunOSSReadOnlyAccess,
  GatewayAdministratorAccess,
  OssAction,
  bucketArn,
  compilePolicies,
  couldAllow,
  evaluate,
  type PolicyDocument,
  type PolicyStatement,
} from './index.js';

function setOf(...statements: PolicyStatement[]) {
  const document: PolicyDocument = { Version: '1', Statement: statements };
  return compilePolicies(statements.length === 0 ? [] : [{ name: 'p', document }]);
}

const ON_ONE_BUCKET = 'acs:oss:*:*:only-this-bucket';

describe(couldAllow.name, () => {
  it.each([
    ['no policies', setOf(), false],
    [
      'an Allow naming the action',
      setOf({ Effect: 'Allow', Action: 'oss:GetBucketReplication', Resource: ON_ONE_BUCKET }),
      true,
    ],
    [
      'an Allow naming the action in another case',
      setOf({ Effect: 'Allow', Action: 'OSS:getbucketreplication', Resource: '*' }),
      true,
    ],
    [
      'an Allow naming another action',
      setOf({ Effect: 'Allow', Action: 'oss:PutBucketReplication', Resource: '*' }),
      false,
    ],
    [
      'an Allow with a matching wildcard action',
      setOf({ Effect: 'Allow', Action: 'oss:GetBucket*', Resource: ON_ONE_BUCKET }),
      true,
    ],
    [
      'an Allow with a wildcard action that does not match',
      setOf({ Effect: 'Allow', Action: 'oss:Put*', Resource: '*' }),
      false,
    ],
    ['an Allow of every action', setOf({ Effect: 'Allow', Action: '*', Resource: ON_ONE_BUCKET }), true],
    [
      'an Allow of every action of a wildcard service',
      setOf({ Effect: 'Allow', Action: 'o*:GetBucketReplication', Resource: '*' }),
      true,
    ],
    ['an Allow of another service', setOf({ Effect: 'Allow', Action: 'gateway:*', Resource: '*' }), false],
    [
      'an Allow whose NotAction leaves the action out',
      setOf({ Effect: 'Allow', NotAction: 'oss:Put*', Resource: '*' }),
      true,
    ],
    [
      'an Allow whose NotAction names the action',
      setOf({ Effect: 'Allow', NotAction: 'oss:GetBucket*', Resource: '*' }),
      false,
    ],
    [
      'an Allow on NotResource',
      setOf({ Effect: 'Allow', Action: 'oss:GetBucketReplication', NotResource: ON_ONE_BUCKET }),
      true,
    ],
    [
      'an Allow under a condition (it could hold)',
      setOf({
        Effect: 'Allow',
        Action: 'oss:GetBucketReplication',
        Resource: '*',
        Condition: { Bool: { 'acs:SecureTransport': 'true' } },
      }),
      true,
    ],
    [
      'only a Deny naming the action',
      setOf({ Effect: 'Deny', Action: 'oss:GetBucketReplication', Resource: '*' }),
      false,
    ],
    [
      'an Allow and a Deny of everything (still "could": deciding takes the resource)',
      setOf(
        { Effect: 'Allow', Action: 'oss:GetBucketReplication', Resource: '*' },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ),
      true,
    ],
  ])('%s → %s', (_name, set, expected) => {
    expect(couldAllow(set, OssAction.GetBucketReplication)).toBe(expected);
  });

  it('is true for each action the built-in policies allow, and false for the others', () => {
    const builtins = compilePolicies([
      { name: 'AliyunOSSReadOnlyAccess', document: AliyunOSSReadOnlyAccess },
    ]);
    expect(couldAllow(builtins, OssAction.GetBucketReplication)).toBe(true);
    expect(couldAllow(builtins, OssAction.PutBucketReplication)).toBe(false);
    const full = compilePolicies([{ name: 'AliyunOSSFullAccess', document: AliyunOSSFullAccess }]);
    expect(couldAllow(full, OssAction.PutBucketReplication)).toBe(true);
    const admin = compilePolicies([
      { name: 'GatewayAdministratorAccess', document: GatewayAdministratorAccess },
    ]);
    expect(couldAllow(admin, OssAction.GetBucketReplication)).toBe(false);
  });

  it('never says false where evaluate would allow', () => {
    const set = setOf(
      { Effect: 'Allow', Action: ['oss:GetBucket*'], Resource: ON_ONE_BUCKET },
      { Effect: 'Allow', NotAction: ['oss:*'], Resource: '*' },
    );
    const resources = ['*', bucketArn('oss-cn-hangzhou', '1', 'only-this-bucket'), bucketArn('*', '*', 'x')];
    for (const action of [...Object.values(OssAction), 'gateway:SimulatePolicy', 'ram:ListUsers']) {
      for (const resource of resources) {
        if (evaluate(set, { action, resource }).decision === 'Allow') {
          expect(couldAllow(set, action), `${action} on ${resource}`).toBe(true);
        }
      }
    }
  });
});
