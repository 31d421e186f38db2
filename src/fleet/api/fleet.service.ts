import type { Caller } from '../../auth/caller/caller.js';
import type { Clock } from '../../auth/clock.js';
import type { AuthorizationService } from '../../auth/authorization.service.js';
import { bucketArn, couldAllow, OssAction } from '../../auth/ram/index.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import type { ReplicationRuleModel, RuleStatus } from '../../replication/domain/replication-rule.js';
import { DEFAULT_ACCOUNT, type ProgressSample, type RuleRef, ruleKey } from '../domain/progress-sample.js';
import {
  computeReplicationHealth,
  HEALTH_SEVERITY,
  type HealthState,
  type HealthThresholds,
  type ReplicationHealth,
} from '../health/replication-health.js';
import type { Inventory, InventoryRule } from '../inventory/inventory.js';
import type { ProgressSampleStore } from '../store/progress-sample-store.js';
import {
  decodeFleetCursor,
  decodeHistoryCursor,
  encodeFleetCursor,
  encodeHistoryCursor,
  type FleetPosition,
  NO_WATERMARK,
} from './fleet-cursor.js';
import type { FleetSamples } from './fleet-samples.js';

/** Filters of the fleet (every given one must match). */
export interface FleetFilterModel {
  account?: string;
  bucket?: string;
  health?: HealthState;
  status?: RuleStatus;
  rtc?: boolean;
}

/** One row of the fleet as the caller may see it. */
export interface FleetRow {
  account: string;
  bucket: string;
  region: string;
  rule: ReplicationRuleModel;
  /** The source bucket's ARN the row was authorized on. */
  resource: string;
  /** Null unless the caller is allowed `oss:GetBucketReplicationProgress` on the bucket. */
  health: ReplicationHealth | null;
}

export interface FleetPage {
  items: FleetRow[];
  nextCursor: string | null;
}

export interface HistoryPage {
  samples: ProgressSample[];
  nextCursor: string | null;
}

/** The OSS account id (the ARN's account) of a gateway account; undefined when unknown (`*`). */
export type AccountIdOf = (account: string) => string | undefined;

export interface FleetServiceDependencies {
  inventory: Inventory;
  samples: FleetSamples;
  store: ProgressSampleStore;
  authorization: Pick<AuthorizationService, 'conditionContext' | 'decide'>;
  clock: Clock;
  thresholds: Partial<HealthThresholds>;
  accountIdOf: AccountIdOf;
}

/**
 * Where rows whose health the caller may not read sort: after every judged rule (their order must not
 * tell what their health is).
 */
const HIDDEN_HEALTH_RANK = Object.keys(HEALTH_SEVERITY).length;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compare(a: FleetPosition, b: FleetPosition): number {
  return (
    a[0] - b[0] ||
    a[1] - b[1] ||
    compareText(a[2], b[2]) ||
    compareText(a[3], b[3]) ||
    compareText(a[4], b[4])
  );
}

/** The watermark health measures the lag to: that of the newest successful sample. */
function watermarkOf(samples: readonly ProgressSample[]): number {
  for (let i = samples.length - 1; i >= 0; i -= 1) {
    const sample = samples[i];
    if (sample.error === undefined && sample.status !== null) {
      const t = sample.newObjectsReplicatedUntil?.getTime();
      return t === undefined || Number.isNaN(t) ? NO_WATERMARK : t;
    }
  }
  return NO_WATERMARK;
}

function positionOf(row: FleetRow, samples: readonly ProgressSample[]): FleetPosition {
  return [
    row.health ? HEALTH_SEVERITY[row.health.state] : HIDDEN_HEALTH_RANK,
    row.health ? watermarkOf(samples) : NO_WATERMARK,
    row.account,
    row.bucket,
    row.rule.id,
  ];
}

/**
 * The fleet (DESIGN §11): every rule of the inventory the caller may read, with its health judged
 * from stored samples at request time. Authorization is per row, on the source bucket's ARN with the
 * region the inventory holds (no GetBucketLocation per row): a caller sees exactly the rules of the
 * buckets it is allowed `oss:GetBucketReplication` on, and health only where it is allowed
 * `oss:GetBucketReplicationProgress`. No OSS call is made: everything comes from the inventory and
 * the sample store.
 */
export class FleetService {
  /** Rule lookups by (bucket, rule id), rebuilt when the inventory hands out a new array. */
  private index: { rules: readonly InventoryRule[]; byRule: Map<string, InventoryRule> } | undefined;

  constructor(private readonly deps: FleetServiceDependencies) {}

  /** A page of the fleet as `caller` may see it, in the order of severity, lag, then key. */
  async list(
    caller: Caller,
    req: GatewayRequest,
    filter: FleetFilterModel,
    first: number,
    after?: string,
  ): Promise<FleetPage> {
    const position = after === undefined ? undefined : decodeFleetCursor(after);
    const rules = this.deps.inventory.rules();
    if (!couldAllow(caller.policySet, OssAction.GetBucketReplication)) {
      return { items: [], nextCursor: null };
    }
    const mayReadProgress = couldAllow(caller.policySet, OssAction.GetBucketReplicationProgress);
    const { context } = this.deps.authorization.conditionContext(req, caller);
    const allowed = (action: string, resource: string) =>
      this.deps.authorization.decide(caller, action, resource, context).decision === 'Allow';

    // Rules are ordered by (account, bucket, rule id): one decision per bucket.
    const visible: Array<{ entry: InventoryRule; resource: string; progress: boolean }> = [];
    let bucketKey = '';
    let bucketResource = '';
    let bucketRead = false;
    let bucketProgress = false;
    for (const entry of rules) {
      if (!this.matchesStatic(entry, filter)) {
        continue;
      }
      const key = `${entry.account}\n${entry.bucket}`;
      if (key !== bucketKey) {
        bucketKey = key;
        bucketResource = bucketArn(entry.region, this.deps.accountIdOf(entry.account), entry.bucket);
        bucketRead = allowed(OssAction.GetBucketReplication, bucketResource);
        bucketProgress =
          bucketRead && mayReadProgress && allowed(OssAction.GetBucketReplicationProgress, bucketResource);
      }
      if (bucketRead) {
        visible.push({ entry, resource: bucketResource, progress: bucketProgress });
      }
    }

    const samples = visible.some((v) => v.progress)
      ? await this.deps.samples.latest(rules)
      : new Map<string, ProgressSample[]>();
    const now = this.deps.clock();
    const rows: Array<{ row: FleetRow; position: FleetPosition }> = [];
    for (const { entry, resource, progress } of visible) {
      const ruleSamples = progress ? (samples.get(ruleKey(entry)) ?? []) : [];
      const health = progress ? computeReplicationHealth(ruleSamples, now, this.deps.thresholds) : null;
      if (filter.health !== undefined && health?.state !== filter.health) {
        continue;
      }
      const row: FleetRow = {
        account: entry.account,
        bucket: entry.bucket,
        region: entry.region,
        rule: entry.rule,
        resource,
        health,
      };
      rows.push({ row, position: positionOf(row, ruleSamples) });
    }
    rows.sort((a, b) => compare(a.position, b.position));
    const start = position === undefined ? 0 : rows.findIndex((r) => compare(r.position, position) > 0);
    const page = start < 0 ? [] : rows.slice(start, start + first);
    const more = start >= 0 && start + first < rows.length;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.row),
      nextCursor: more && last ? encodeFleetCursor(last.position) : null,
    };
  }

  /** The health of one rule the inventory knows (404 otherwise); authorized by the caller's route. */
  async health(bucket: string, ruleId: string): Promise<ReplicationHealth> {
    const rule = this.known(bucket, ruleId);
    return this.healthOf(rule);
  }

  /** The health of a rule (GraphQL `ReplicationRule.health`): of the default account when the inventory does not know it. */
  async healthOfAnyRule(bucket: string, ruleId: string): Promise<ReplicationHealth> {
    return this.healthOf(this.find(bucket, ruleId) ?? { account: DEFAULT_ACCOUNT, bucket, ruleId });
  }

  /** One rule's samples, oldest first, paged by an opaque cursor (404 for a rule the inventory does not know). */
  async history(
    bucket: string,
    ruleId: string,
    query: { from?: Date; to?: Date; first: number; after?: string },
  ): Promise<HistoryPage> {
    return this.historyOf(this.known(bucket, ruleId), query);
  }

  /** The same for GraphQL `ReplicationRule.progressHistory` (no 404: a rule without samples has none). */
  async historyOfAnyRule(
    bucket: string,
    ruleId: string,
    query: { from?: Date; to?: Date; first: number; after?: string },
  ): Promise<HistoryPage> {
    return this.historyOf(this.find(bucket, ruleId) ?? { account: DEFAULT_ACCOUNT, bucket, ruleId }, query);
  }

  /** The inventory's entry for a rule; bucket names are unique across OSS, so the bucket names the account. */
  find(bucket: string, ruleId: string): InventoryRule | undefined {
    const rules = this.deps.inventory.rules();
    if (this.index?.rules !== rules) {
      const byRule = new Map<string, InventoryRule>();
      for (const rule of rules) {
        byRule.set(`${rule.bucket}\n${rule.ruleId}`, rule);
      }
      this.index = { rules, byRule };
    }
    return this.index.byRule.get(`${bucket}\n${ruleId}`);
  }

  private known(bucket: string, ruleId: string): InventoryRule {
    const rule = this.find(bucket, ruleId);
    if (!rule) {
      throw new DomainError(
        ErrorCode.ReplicationRuleNotFound,
        `The fleet inventory knows no replication rule "${ruleId}" on bucket "${bucket}".`,
      );
    }
    return rule;
  }

  private async healthOf(rule: RuleRef): Promise<ReplicationHealth> {
    const samples = await this.deps.samples.ofRule(rule);
    return computeReplicationHealth(samples, this.deps.clock(), this.deps.thresholds);
  }

  private async historyOf(
    rule: RuleRef,
    query: { from?: Date; to?: Date; first: number; after?: string },
  ): Promise<HistoryPage> {
    const after = query.after === undefined ? undefined : decodeHistoryCursor(query.after);
    const samples = await this.deps.store.history(rule, {
      first: query.first + 1,
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      ...(after ? { after } : {}),
    });
    const page = samples.slice(0, query.first);
    const last = page[page.length - 1];
    return {
      samples: page,
      nextCursor: samples.length > query.first && last ? encodeHistoryCursor(last.time) : null,
    };
  }

  private matchesStatic(entry: InventoryRule, filter: FleetFilterModel): boolean {
    return (
      (filter.account === undefined || entry.account === filter.account) &&
      (filter.bucket === undefined || entry.bucket === filter.bucket) &&
      (filter.status === undefined || entry.rule.status === filter.status) &&
      (filter.rtc === undefined || entry.rule.rtc.enabled === filter.rtc)
    );
  }
}
