import type { RuleRef } from '../domain/progress-sample.js';

/** The rules of one bucket the sampler should read. */
export interface SampledBucket {
  account: string;
  bucket: string;
  ruleIds: readonly string[];
}

/**
 * Which rules exist, per account and bucket: the inventory (DESIGN §11) once it is built. Asked at
 * the start of every sampler pass; what it answers is sampled, nothing else.
 */
export interface RuleSource {
  buckets(): Promise<readonly SampledBucket[]>;
}

export const RULE_SOURCE = Symbol('RULE_SOURCE');

/** A fixed set of rules, changeable at run time (tests; embedded mode's demo rule until the inventory exists). */
export class InMemoryRuleSource implements RuleSource {
  private readonly rules = new Map<string, RuleRef>();

  constructor(rules: readonly RuleRef[] = []) {
    for (const rule of rules) {
      this.add(rule);
    }
  }

  add(rule: RuleRef): void {
    this.rules.set(JSON.stringify([rule.account, rule.bucket, rule.ruleId]), { ...rule });
  }

  remove(rule: RuleRef): void {
    this.rules.delete(JSON.stringify([rule.account, rule.bucket, rule.ruleId]));
  }

  buckets(): Promise<readonly SampledBucket[]> {
    const byBucket = new Map<string, { account: string; bucket: string; ruleIds: string[] }>();
    for (const rule of this.rules.values()) {
      const key = JSON.stringify([rule.account, rule.bucket]);
      let entry = byBucket.get(key);
      if (!entry) {
        entry = { account: rule.account, bucket: rule.bucket, ruleIds: [] };
        byBucket.set(key, entry);
      }
      entry.ruleIds.push(rule.ruleId);
    }
    return Promise.resolve([...byBucket.values()]);
  }
}
