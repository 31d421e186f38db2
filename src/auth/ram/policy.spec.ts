import { describe, expect, it } from 'vitest';
import {
  MAX_POLICY_DOCUMENT_LENGTH,
  PolicyValidationError,
  compilePolicies,
  evaluate,
  parsePolicyDocument,
  policyDocumentLength,
  validatePolicyDocument,
  type PolicyDocument,
} from './index.js';

/** A valid document whose compact JSON is exactly `length` characters, padded through one Resource. */
function documentOfLength(length: number): PolicyDocument {
  const base: PolicyDocument = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '' }],
  };
  const padding = length - policyDocumentLength(base);
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: `acs:oss:*:*:${'a'.repeat(padding - 12)}` }],
  };
}

describe('parsePolicyDocument', () => {
  it('accepts JSON text and returns the canonical form with arrays everywhere', () => {
    const text =
      '{"Version":"1","Statement":{"Effect":"Deny","Action":"oss:Delete*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":false}}}}';

    const result = parsePolicyDocument(text);

    expect(result).toEqual({
      ok: true,
      document: {
        Version: '1',
        Statement: [
          {
            Effect: 'Deny',
            Action: ['oss:Delete*'],
            Resource: ['*'],
            Condition: { Bool: { 'acs:MFAPresent': ['false'] } },
          },
        ],
      },
    });
  });

  it('reports JSON syntax errors at the document root', () => {
    const result = parsePolicyDocument('{"Version": "1",');

    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0].path).toBe('$');
    expect(!result.ok && result.problems[0].message).toMatch(/not valid JSON/);
  });

  it(`accepts a document of exactly ${MAX_POLICY_DOCUMENT_LENGTH} characters and rejects one more`, () => {
    const atLimit = documentOfLength(MAX_POLICY_DOCUMENT_LENGTH);
    const overLimit = documentOfLength(MAX_POLICY_DOCUMENT_LENGTH + 1);

    expect(policyDocumentLength(atLimit)).toBe(MAX_POLICY_DOCUMENT_LENGTH);
    expect(validatePolicyDocument(atLimit)).toEqual([]);
    expect(validatePolicyDocument(overLimit)).toEqual([
      { path: '$', message: expect.stringMatching(/6145 characters/) as string },
    ]);
  });

  it('does not count whitespace between tokens towards the limit', () => {
    const pretty = JSON.stringify(documentOfLength(MAX_POLICY_DOCUMENT_LENGTH), null, 8);

    expect(pretty.length).toBeGreaterThan(MAX_POLICY_DOCUMENT_LENGTH);
    expect(validatePolicyDocument(pretty)).toEqual([]);
  });

  it('counts characters, not UTF-16 units, towards the limit', () => {
    const doc = documentOfLength(MAX_POLICY_DOCUMENT_LENGTH);
    const statement = (doc.Statement as Array<{ Resource: string }>)[0];
    statement.Resource = statement.Resource.slice(0, -2) + '😀😀';

    expect(JSON.stringify(doc).length).toBe(MAX_POLICY_DOCUMENT_LENGTH + 2);
    expect(validatePolicyDocument(doc)).toEqual([]);
  });

  it('rejects a value that cannot be serialised as JSON', () => {
    const cyclic: Record<string, unknown> = { Version: '1' };
    cyclic.Statement = cyclic;

    expect(validatePolicyDocument(cyclic)).toEqual([{ path: '$', message: 'cannot be serialised as JSON' }]);
  });

  it('rejects a __proto__ element instead of letting it through', () => {
    const problems = validatePolicyDocument(
      '{"Version":"1","__proto__":{"x":1},"Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}',
    );

    expect(problems.map((p) => p.path)).toEqual(['__proto__']);
  });

  it('treats a single value and a one-element array alike', () => {
    const single = compilePolicies([
      {
        name: 's',
        document: {
          Version: '1',
          Statement: { Effect: 'Allow', Action: 'oss:PutBucketRtc', Resource: 'acs:oss:*:*:b' },
        },
      },
    ]);
    const array = compilePolicies([
      {
        name: 'a',
        document: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: ['oss:PutBucketRtc'], Resource: ['acs:oss:*:*:b'] }],
        },
      },
    ]);
    const request = { action: 'oss:PutBucketRtc', resource: 'acs:oss:cn-hangzhou:1:b' };

    expect(evaluate(single, request).decision).toBe('Allow');
    expect(evaluate(array, request).decision).toBe('Allow');
  });
});

describe(PolicyValidationError.name, () => {
  it('is thrown by compilePolicies with the policy name and every problem', () => {
    const bad = {
      Version: '1',
      Statement: [{ Effect: 'allow', Action: 'oss:*' }],
    } as unknown as PolicyDocument;

    let caught: unknown;
    try {
      compilePolicies([{ name: 'ReplicationOps', document: bad }]);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(PolicyValidationError);
    const error = caught as PolicyValidationError;
    expect(error.policy).toBe('ReplicationOps');
    expect(error.problems.map((p) => p.path)).toEqual(['Statement[0].Effect', 'Statement[0].Resource']);
    expect(error.message).toContain('Policy "ReplicationOps" is invalid: Statement[0].Effect');
  });
});
