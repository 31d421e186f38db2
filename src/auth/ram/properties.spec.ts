/**
 * Property tests over random policies and requests: deny wins, allows never undo a deny, statement order
 * does not matter, and the indexed, memoised engine agrees with a naive linear scan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from './conditions/index.js';
import { analysePolicy } from './policy.js';
import {
  compilePolicies,
  evaluate,
  type ContextValue,
  type Decision,
  type EvaluationRequest,
  type PolicyCondition,
  type PolicyStatement,
} from './index.js';

/** Fixed so runs are reproducible; change it to explore other inputs. */
const PROPERTY_SEED = 0x5eed_2026;

const ACTION_PATTERNS = [
  'oss:*',
  'oss:Get*',
  'oss:*Replication*',
  'oss:GetBucketReplication',
  'OSS:putbucketrtc',
  'oss:PutBucket?tc',
  'oss:DeleteBucketReplication',
  'gateway:*',
  '*:Get*',
  '*',
];
const RESOURCE_PATTERNS = [
  '*',
  'acs:oss:*:*:src-*',
  'acs:oss:*:*:src-bucket',
  'acs:oss:cn-hangzhou:*:*',
  'acs:oss:*:999:*',
  'acs:oss:*',
  'acs:oss:*:*:*-logs',
  'acs:oss:*:*:src-b*',
  'acs:oss:*:*:src-bucket?',
  'acs:oss:*:*:src-bucket/*',
  'acs:oss:*:1:app-*:*',
  'acs:oss:cn-hangzhou:1234567890123456:src-bucket',
];
const CONDITIONS: Array<PolicyCondition | undefined> = [
  undefined,
  {},
  { Bool: { 'acs:SecureTransport': 'true' } },
  { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
  { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
  { StringNotLike: { 'acs:SourceVpc': 'vpc-*' } },
  { 'ForAllValues:StringEquals': { 'acs:TagKeys': ['a', 'b'] } },
  { 'ForAnyValue:StringEquals': { 'acs:TagKeys': 'b' } },
  { DateLessThan: { 'acs:CurrentTime': '2026-01-01T00:00:00+08:00' } },
  { StringEqualsIfExists: { 'ACS:SOURCEVPC': 'vpc-1' }, NumericLessThan: { 'example:n': '5' } },
];
const REQUEST_ACTIONS = [
  'oss:GetBucketReplication',
  'oss:PutBucketReplication',
  'oss:PutBucketRtc',
  'oss:DeleteBucketReplication',
  'oss:GetBucketReplicationLocation',
  'oss:GetObject',
  'gateway:SimulatePolicy',
];
const REQUEST_RESOURCES = [
  'acs:oss:cn-hangzhou:1234567890123456:src-bucket',
  'acs:oss:cn-beijing:999:src-other',
  'acs:oss:ap-southeast-1:1:app-logs',
  'acs:oss:cn-hangzhou:1:prod',
  'acs:oss:cn-hangzhou:1:src-bucket1',
  'acs:oss:cn-hangzhou:1:src-bucket/a:b',
  'acs:oss:cn-hangzhou:1:app-logs:x',
  'acs:oss:cn-hangzhou:1:s',
];
const CONTEXT_VALUES: Record<string, ContextValue[]> = {
  'acs:SecureTransport': ['true', 'false', true],
  'acs:SourceIp': ['10.1.2.3', '192.168.0.1', '2001:db8::9', 'garbage'],
  'acs:SourceVpc': ['vpc-1', 'vpc-2'],
  'acs:TagKeys': [[], ['a'], ['a', 'c'], ['b']],
  'acs:CurrentTime': ['2025-12-31T15:59:59Z', '2025-12-31T16:00:00Z', 1767225600],
  'example:n': ['4', 5, 'x'],
};

const statementArb: fc.Arbitrary<PolicyStatement> = fc
  .record({
    effect: fc.constantFrom('Allow' as const, 'Deny' as const),
    actions: fc.subarray(ACTION_PATTERNS, { minLength: 1, maxLength: 3 }),
    notAction: fc.boolean(),
    resources: fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 2 }),
    notResource: fc.boolean(),
    condition: fc.constantFrom(...CONDITIONS),
  })
  .map(({ effect, actions, notAction, resources, notResource, condition }) => ({
    Effect: effect,
    ...(notAction ? { NotAction: actions } : { Action: actions }),
    ...(notResource ? { NotResource: resources } : { Resource: resources }),
    ...(condition === undefined ? {} : { Condition: condition }),
  }));

const policiesArb = fc.array(fc.array(statementArb, { minLength: 1, maxLength: 5 }), { maxLength: 4 });

const requestArb: fc.Arbitrary<EvaluationRequest> = fc.record({
  action: fc.constantFrom(...REQUEST_ACTIONS),
  resource: fc.constantFrom(...REQUEST_RESOURCES),
  context: fc.record(
    Object.fromEntries(Object.entries(CONTEXT_VALUES).map(([k, values]) => [k, fc.constantFrom(...values)])),
    { requiredKeys: [] },
  ),
});

/** Names every statement (`Sid` = s<n>) so it can be followed through reorderings. */
function named(policies: PolicyStatement[][], from = 0): PolicyStatement[][] {
  let n = from;
  return policies.map((statements) => statements.map((s) => ({ ...s, Sid: `s${n++}` })));
}

function run(policies: PolicyStatement[][], request: EvaluationRequest): Decision {
  const set = compilePolicies(
    policies.map((Statement, i) => ({
      name: `p${i}`,
      document: { Version: '1', Statement },
    })),
  );
  return evaluate(set, request);
}

function sids(decision: Decision): string[] {
  return decision.matchedStatements.map((s) => s.sid ?? '').sort();
}

function regexMatch(pattern: string, input: string, ignoreCase: boolean): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'isu' : 'su').test(input);
}

/** A naive engine: every statement, every pattern as a regular expression, no index, no memo. */
function naive(
  policies: PolicyStatement[][],
  request: EvaluationRequest,
): { decision: string; matched: string[] } {
  const context = new Map(
    Object.entries(request.context ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? undefined]),
  );
  const allow: string[] = [];
  const deny: string[] = [];
  for (const statements of policies) {
    const analysed = analysePolicy({ Version: '1', Statement: statements });
    if (!analysed.ok) {
      throw new Error('generated an invalid policy');
    }
    analysed.policy.statements.forEach((st, i) => {
      const actionHit = (st.actions ?? st.notActions ?? []).some((p) => regexMatch(p, request.action, true));
      const resourceHit = (st.resources ?? st.notResources ?? []).some((p) =>
        regexMatch(p, request.resource, false),
      );
      const applies =
        (st.notActions ? !actionHit : actionHit) &&
        (st.notResources ? !resourceHit : resourceHit) &&
        st.conditions.every((c) => evaluateCondition(c, context.get(c.keyLower)));
      if (applies) {
        (st.effect === 'Deny' ? deny : allow).push(statements[i].Sid ?? '');
      }
    });
  }
  if (deny.length > 0) {
    return { decision: 'ExplicitDeny', matched: deny.sort() };
  }
  return allow.length > 0
    ? { decision: 'Allow', matched: allow.sort() }
    : { decision: 'ImplicitDeny', matched: [] };
}

describe('RAM evaluation properties', () => {
  it('adding a Deny never produces Allow', () => {
    fc.assert(
      fc.property(policiesArb, statementArb, fc.nat(), requestArb, (raw, extra, where, request) => {
        const policies = named(raw);
        const before = run(policies, request);
        const withDeny = policies.map((p) => [...p]);
        const deny = { ...extra, Effect: 'Deny' as const, Sid: 'added' };
        if (withDeny.length === 0) {
          withDeny.push([deny]);
        } else {
          withDeny[where % withDeny.length].splice(where % 7, 0, deny);
        }
        const after = run(withDeny, request);
        if (after.decision === 'Allow') {
          expect(before.decision).toBe('Allow');
          expect(sids(after)).toEqual(sids(before));
        }
        if (before.decision === 'ExplicitDeny') {
          expect(after.decision).toBe('ExplicitDeny');
        }
      }),
      { numRuns: 400, seed: PROPERTY_SEED },
    );
  });

  it('adding an Allow never overrides an explicit Deny', () => {
    fc.assert(
      fc.property(
        policiesArb,
        fc.array(statementArb, { minLength: 1, maxLength: 3 }),
        requestArb,
        (raw, extra, request) => {
          const policies = named(raw);
          const before = run(policies, request);
          const allows = extra.map((s, i) => ({ ...s, Effect: 'Allow' as const, Sid: `added${i}` }));
          const after = run([...policies, allows], request);
          if (before.decision === 'ExplicitDeny') {
            expect(after.decision).toBe('ExplicitDeny');
            expect(sids(after)).toEqual(sids(before));
          } else if (before.decision === 'Allow') {
            expect(after.decision).toBe('Allow');
          }
        },
      ),
      { numRuns: 400, seed: PROPERTY_SEED },
    );
  });

  it('does not depend on the order of policies or statements', () => {
    fc.assert(
      fc.property(
        policiesArb,
        requestArb,
        fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
        (raw, request, keys) => {
          const policies = named(raw);
          const flat = policies
            .flat()
            .map((statement, i) => ({ statement, key: keys[i % keys.length] * 31 + i }));
          flat.sort((a, b) => a.key - b.key);
          const reshuffled: PolicyStatement[][] = [];
          flat.forEach(({ statement }, i) => {
            const bucket = keys[(i * 7) % keys.length] % 3;
            (reshuffled[bucket] ??= []).push(statement);
          });
          const before = run(policies, request);
          const after = run(
            reshuffled.filter((p) => p !== undefined),
            request,
          );
          expect(after.decision).toBe(before.decision);
          expect(sids(after)).toEqual(sids(before));
          expect(after.missingContextKeys).toEqual(before.missingContextKeys);
        },
      ),
      { numRuns: 400, seed: PROPERTY_SEED },
    );
  });

  it('agrees with a naive linear scan, also when one compiled set answers many requests', () => {
    fc.assert(
      fc.property(policiesArb, fc.array(requestArb, { minLength: 1, maxLength: 8 }), (raw, requests) => {
        const policies = named(raw);
        const set = compilePolicies(
          policies.map((Statement, i) => ({
            name: `p${i}`,
            document: { Version: '1', Statement },
          })),
        );
        for (const request of requests) {
          const decision = evaluate(set, request);
          expect({ decision: decision.decision, matched: sids(decision) }).toEqual(naive(policies, request));
        }
      }),
      { numRuns: 500, seed: PROPERTY_SEED },
    );
  });
});
