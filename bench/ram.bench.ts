/**
 * RAM policy engine benchmark: decisions per second and median time per decision for a principal with
 * 10 and with 1,000 statements (a realistic mix of services, exact and wildcard actions, exact and
 * wildcard resources, conditions and denies). Target: 1,000 statements under 5 µs per decision.
 *
 * Two request streams per size:
 *  - "repeat": requests cycle over a working set of buckets (the steady state of a gateway), so the
 *    per-(action, resource) memo answers the action and resource part;
 *  - "unique": every request names a bucket never seen before, so each decision walks the action
 *    index and the resource index (the memo only costs).
 * Conditions are evaluated on every decision in both streams.
 *
 * Run alone: `npx tsc -p tsconfig.bench.json && node dist-bench/bench/ram.bench.js`.
 */
import { pathToFileURL } from 'node:url';
import {
  compilePolicies,
  evaluate,
  type EvaluationRequest,
  type PolicyCondition,
  type PolicyDocument,
  type PolicyStatement,
} from '../src/auth/ram/index.js';

/** `ratio` = target time / median time (> 1 = faster than the 5 µs target), as bench/run.ts reads opsPerSec / baselineOpsPerSec. */
export type BenchResult = {
  name: string;
  opsPerSec?: number;
  medianNs?: number;
  baseline?: string;
  baselineOpsPerSec?: number;
  ratio?: number;
};

const TARGET_NS = 5_000;
const ACCOUNT = '1234567890123456';
const REPLICATION = [
  'oss:GetBucketReplication',
  'oss:PutBucketReplication',
  'oss:PutBucketRtc',
  'oss:DeleteBucketReplication',
  'oss:GetBucketReplicationProgress',
  'oss:GetBucketReplicationLocation',
];

/** Small deterministic PRNG (mulberry32) so every run benchmarks the same policies. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function realisticStatements(count: number, seed: number): PolicyStatement[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const team = () => `team${Math.floor(rand() * 40)}`;
  const statements: PolicyStatement[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rand();
    if (roll < 0.3) {
      // exact replication actions on one bucket
      statements.push({
        Effect: 'Allow',
        Action: [pick(REPLICATION), pick(REPLICATION)],
        Resource: `acs:oss:*:${ACCOUNT}:${team()}-bucket${Math.floor(rand() * 10)}`,
      });
    } else if (roll < 0.45) {
      // wildcard actions on a team's buckets
      statements.push({
        Effect: 'Allow',
        Action: pick(['oss:Get*', 'oss:GetBucketReplication*', 'oss:*Replication*', 'oss:Put*', 'oss:List*']),
        Resource: [`acs:oss:*:*:${team()}-*`, `acs:oss:cn-*:${ACCOUNT}:${team()}-bucket?`],
      });
    } else if (roll < 0.65) {
      // other services and the gateway's own actions
      statements.push({
        Effect: 'Allow',
        Action: pick([
          ['ecs:Describe*'],
          ['rds:*'],
          ['vpc:CreateVpc', 'vpc:DeleteVpc'],
          ['gateway:ListAuditEvents'],
          ['log:Get*', 'log:List*'],
        ]),
        Resource: '*',
      });
    } else if (roll < 0.75) {
      // object-level OSS actions
      statements.push({
        Effect: 'Allow',
        Action: pick([['oss:GetObject'], ['oss:PutObject', 'oss:DeleteObject'], ['oss:ListObjects']]),
        Resource: `acs:oss:*:*:${team()}-bucket${Math.floor(rand() * 10)}/*`,
      });
    } else if (roll < 0.92) {
      // conditional grants
      statements.push({
        Effect: 'Allow',
        Action: pick(REPLICATION),
        Resource: `acs:oss:*:${ACCOUNT}:${team()}-*`,
        Condition: pick<PolicyCondition>([
          { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'] } },
          { Bool: { 'acs:SecureTransport': 'true' } },
          { StringEquals: { 'acs:AccessId': [`key-${Math.floor(rand() * 100)}`, 'billing-1'] } },
          {
            DateLessThan: { 'acs:CurrentTime': '2030-01-01T00:00:00+08:00' },
            StringLike: { 'acs:UserAgent': 'portal/*' },
          },
        ]),
      });
    } else {
      // guard-rail denies
      statements.push({
        Effect: 'Deny',
        Action: pick([['oss:DeleteBucketReplication'], ['oss:Put*', 'oss:Delete*']]),
        Resource: `acs:oss:*:*:prod-${team()}-*`,
        Condition: pick<PolicyCondition>([
          { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
          { Bool: { 'acs:MFAPresent': 'false' } },
          { StringNotLike: { 'acs:SourceVpc': 'vpc-*' } },
        ]),
      });
    }
  }
  return statements;
}

/** Splits statements into documents of at most 20 statements (each under RAM's 6,144-character limit). */
function asPolicies(statements: PolicyStatement[]): Array<{ name: string; document: PolicyDocument }> {
  const policies: Array<{ name: string; document: PolicyDocument }> = [];
  for (let i = 0; i < statements.length; i += 20) {
    policies.push({
      name: `policy-${i / 20}`,
      document: { Version: '1', Statement: statements.slice(i, i + 20) },
    });
  }
  return policies;
}

function requests(count: number, unique: boolean, seed: number): EvaluationRequest[] {
  const rand = prng(seed);
  const contexts = Array.from({ length: 64 }, () => ({
    'acs:SourceIp': rand() < 0.7 ? `10.${Math.floor(rand() * 255)}.0.7` : '203.0.113.9',
    'acs:SecureTransport': rand() < 0.9,
    'acs:CurrentTime': '2026-05-01T12:00:00Z',
    'acs:AccessId': 'billing-1',
    'acs:UserAgent': 'portal/2.3 (node)',
  }));
  const out: EvaluationRequest[] = [];
  for (let i = 0; i < count; i++) {
    const teamNo = Math.floor(rand() * 40);
    const bucket = unique
      ? `${rand() < 0.2 ? 'prod-' : ''}team${teamNo}-bucket-u${i}`
      : `${rand() < 0.2 ? 'prod-' : ''}team${teamNo}-bucket${Math.floor(rand() * 10)}`;
    out.push({
      action: REPLICATION[Math.floor(rand() * REPLICATION.length)],
      resource: `acs:oss:cn-hangzhou:${ACCOUNT}:${bucket}`,
      context: contexts[i % contexts.length],
    });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `batches` batches of `batchSize` decisions; median of the per-decision batch means. */
function measure(statementCount: number, unique: boolean): BenchResult & { allowShare: number } {
  const set = compilePolicies(asPolicies(realisticStatements(statementCount, 7)));
  const batchSize = 1_000;
  const batches = 150;
  const warmup = 20;
  const stream = requests(unique ? batchSize * (batches + warmup) : 2_000, unique, 11);
  let cursor = 0;
  let allows = 0;
  const perDecision: number[] = [];
  let totalNs = 0n;
  let totalDecisions = 0;
  for (let b = 0; b < batches + warmup; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batchSize; i++) {
      const decision = evaluate(set, stream[cursor]);
      cursor = cursor + 1 === stream.length ? 0 : cursor + 1;
      if (decision.decision === 'Allow') {
        allows++;
      }
    }
    const elapsed = process.hrtime.bigint() - start;
    if (b >= warmup) {
      perDecision.push(Number(elapsed) / batchSize);
      totalNs += elapsed;
      totalDecisions += batchSize;
    }
  }
  const medianNs = Math.round(median(perDecision));
  return {
    name: `ram: evaluate, ${statementCount} statements, ${unique ? 'unique resources' : 'repeating resources'}`,
    opsPerSec: Math.round(totalDecisions / (Number(totalNs) / 1e9)),
    medianNs,
    baseline: `target ${TARGET_NS / 1000} µs per decision`,
    baselineOpsPerSec: 1e9 / TARGET_NS,
    ratio: Number((TARGET_NS / medianNs).toFixed(2)),
    allowShare: allows / ((batches + warmup) * batchSize),
  };
}

function measureCompile(statementCount: number): BenchResult {
  const policies = asPolicies(realisticStatements(statementCount, 7));
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = process.hrtime.bigint();
    compilePolicies(policies);
    samples.push(Number(process.hrtime.bigint() - start));
  }
  const medianNs = Math.round(median(samples.slice(3)));
  return {
    name: `ram: validate + compile ${statementCount} statements`,
    opsPerSec: Math.round(1e9 / medianNs),
    medianNs,
  };
}

export async function runRamBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const count of [10, 1_000]) {
    for (const unique of [false, true]) {
      const { allowShare: _allowShare, ...result } = measure(count, unique);
      results.push(result);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  results.push(measureCompile(1_000));
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await runRamBench()) {
    console.log(
      `${r.name.padEnd(62)} ${String(r.opsPerSec ?? '').padStart(10)} ops/s  median ${String(r.medianNs ?? '').padStart(8)} ns${r.ratio === undefined ? '' : `  (${r.ratio}× faster than target)`}`,
    );
  }
}
