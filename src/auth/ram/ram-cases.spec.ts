/**
 * Every case of the reference case file (`test/fixtures/reference/ram-cases.sample.json`, a copy of the
 * design folder's sample; its README says from where) and every fixture under `__fixtures__/` is a test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compilePolicies,
  evaluate,
  validatePolicyDocument,
  type DecisionKind,
  type PolicyDocument,
  type RequestContext,
} from './index.js';

interface DecisionCase {
  name: string;
  policies: unknown[];
  request: { action: string; resource: string; context?: RequestContext };
  expected: DecisionKind;
  /** `[policyIndex, statementIndex]` pairs of the deciding statements (own fixtures only). */
  expectedMatched?: Array<[number, number]>;
  expectedMissing?: string[];
  why?: string;
  uncertain?: boolean;
}

interface ValidationCase {
  name: string;
  document: unknown;
  /** Paths that must be reported; empty → the document is valid. */
  problems: string[];
}

type FixtureFile =
  { kind: 'decision'; cases: DecisionCase[] } | { kind: 'validation'; cases: ValidationCase[] };

const SAMPLE = fileURLToPath(
  new URL('../../../test/fixtures/reference/ram-cases.sample.json', import.meta.url),
);
const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

/** Sample cases whose policy RAM itself would refuse at creation; the engine must refuse it too. */
const SAMPLE_CASES_WITH_INVALID_POLICIES = new Set(['lowercase-effect-not-an-allow']);

/**
 * The decision of a caller holding `policies`: invalid documents are refused (compilePolicies throws for
 * them) and so grant nothing; the valid ones are evaluated.
 */
function decide(testCase: DecisionCase) {
  const valid: Array<{ name: string; document: PolicyDocument }> = [];
  const invalid: number[] = [];
  testCase.policies.forEach((document, index) => {
    const entry = { name: String(index), document: document as PolicyDocument };
    if (validatePolicyDocument(document).length > 0) {
      expect(() => compilePolicies([entry])).toThrow(/is invalid/);
      invalid.push(index);
    } else {
      valid.push(entry);
    }
  });
  return { decision: evaluate(compilePolicies(valid), testCase.request), invalid };
}

describe('RAM reference cases (test/fixtures/reference/ram-cases.sample.json)', () => {
  const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { cases: DecisionCase[] };

  it('has cases to run', () => {
    expect(sample.cases.length).toBeGreaterThan(30);
  });

  for (const testCase of sample.cases) {
    it(`${testCase.name} → ${testCase.expected}${testCase.uncertain ? ' (uncertain in RAM; DESIGN §3 decides)' : ''}`, () => {
      const { decision, invalid } = decide(testCase);
      expect(invalid.length > 0).toBe(SAMPLE_CASES_WITH_INVALID_POLICIES.has(testCase.name));
      expect(decision.decision).toBe(testCase.expected);
      if (testCase.expected === 'ImplicitDeny') {
        expect(decision.matchedStatements).toEqual([]);
      } else {
        const effect = testCase.expected === 'Allow' ? 'Allow' : 'Deny';
        expect(decision.matchedStatements.length).toBeGreaterThan(0);
        expect(decision.matchedStatements.every((s) => s.effect === effect)).toBe(true);
      }
    });
  }
});

describe('RAM fixture cases (__fixtures__)', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it('finds the fixture files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const fixture = JSON.parse(readFileSync(`${FIXTURES}${file}`, 'utf8')) as FixtureFile;
    describe(file, () => {
      if (fixture.kind === 'decision') {
        for (const testCase of fixture.cases) {
          it(`${testCase.name} → ${testCase.expected}`, () => {
            const { decision, invalid } = decide(testCase);
            expect(invalid).toEqual([]);
            expect(decision.decision).toBe(testCase.expected);
            if (testCase.expectedMatched) {
              expect(decision.matchedStatements.map((s) => [Number(s.policy), s.statement])).toEqual(
                testCase.expectedMatched,
              );
            }
            if (testCase.expectedMissing) {
              expect(decision.missingContextKeys).toEqual(testCase.expectedMissing);
            }
          });
        }
      } else {
        for (const testCase of fixture.cases) {
          it(testCase.problems.length === 0 ? `accepts ${testCase.name}` : `rejects ${testCase.name}`, () => {
            const problems = validatePolicyDocument(testCase.document);
            expect(problems.map((p) => p.path).sort()).toEqual([...testCase.problems].sort());
            for (const problem of problems) {
              expect(problem.message.length).toBeGreaterThan(0);
            }
          });
        }
      }
    });
  }
});
