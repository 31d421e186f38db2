import type { ReplicationRuleModel } from '../../replication/domain/replication-rule.js';
import type { RuleRef } from '../domain/progress-sample.js';
import type { RuleSource, SampledBucket } from '../sampler/rule-source.js';

/** One rule of the inventory (DESIGN §11): where it lives, and the rule as OSS last reported it. */
export interface InventoryRule extends RuleRef {
  /** The source bucket's region, `cn-hangzhou` form (no `oss-` prefix), or `*` when unknown. */
  region: string;
  rule: ReplicationRuleModel;
}

/**
 * Every bucket each account lists and each bucket's rules, as last refreshed (DESIGN §11): the fleet
 * reads it, the sampler samples what it holds. Implementations refresh on an interval
 * (`GATEWAY_INVENTORY_INTERVAL_SECONDS`) and after every mutation made through the gateway.
 */
export interface Inventory extends RuleSource {
  /** Every known rule, ordered by (account, bucket, rule id). */
  rules(): readonly InventoryRule[];
  /** Re-reads one bucket's rules now (after a mutation through the gateway); never throws. */
  refreshBucket(account: string, bucket: string): Promise<void>;
}

export const INVENTORY = Symbol('INVENTORY');

const order = (a: RuleRef, b: RuleRef): number =>
  a.account.localeCompare(b.account) || a.bucket.localeCompare(b.bucket) || a.ruleId.localeCompare(b.ruleId);

/** A fixed inventory, changeable at run time (tests, and anything that needs no OSS listing). */
export class InMemoryInventory implements Inventory {
  private entries: InventoryRule[] = [];

  constructor(rules: readonly InventoryRule[] = []) {
    this.set(rules);
  }

  set(rules: readonly InventoryRule[]): void {
    this.entries = [...rules].sort(order);
  }

  rules(): readonly InventoryRule[] {
    return this.entries;
  }

  refreshBucket(): Promise<void> {
    return Promise.resolve();
  }

  buckets(): Promise<readonly SampledBucket[]> {
    const byBucket = new Map<string, { account: string; bucket: string; ruleIds: string[] }>();
    for (const { account, bucket, ruleId } of this.entries) {
      const key = JSON.stringify([account, bucket]);
      let entry = byBucket.get(key);
      if (!entry) {
        entry = { account, bucket, ruleIds: [] };
        byBucket.set(key, entry);
      }
      entry.ruleIds.push(ruleId);
    }
    return Promise.resolve([...byBucket.values()]);
  }
}
