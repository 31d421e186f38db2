import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../auth/clock.js';
import { type ProgressSample, ruleKey } from '../domain/progress-sample.js';
import {
  computeReplicationHealth,
  HEALTH_STATES,
  type HealthThresholds,
  type ReplicationHealth,
} from '../health/replication-health.js';
import type { Inventory, InventoryRule } from '../inventory/inventory.js';
import type { SamplerPassResult } from '../sampler/progress-sampler.js';
import type { FleetSamples } from '../api/fleet-samples.js';

/** Every metric name the fleet exports (the deploy/ dashboard and alerts may use only these, and the process's others). */
export const FLEET_METRIC_NAMES = [
  'oss_replication_historical_progress_ratio',
  'oss_replication_new_object_lag_seconds',
  'oss_replication_historical_eta_seconds',
  'oss_replication_rule_health',
  'gateway_fleet_rules',
  'gateway_fleet_metrics_rules_omitted',
  'gateway_sampler_passes_total',
  'gateway_sampler_failures_total',
  'gateway_sampler_last_success_timestamp_seconds',
  'gateway_sampler_leader',
  'gateway_sampler_deferred_rules',
  'gateway_sampler_samples_total',
] as const;

export interface FleetMetricsOptions {
  registry: Registry;
  inventory: Inventory;
  samples: FleetSamples;
  clock: Clock;
  thresholds: Partial<HealthThresholds>;
  /** `GATEWAY_METRICS_MAX_RULES`: rules beyond this many (in account, bucket, rule order) are not exported. */
  maxRules: number;
}

const RULE_LABELS = ['account', 'bucket', 'rule'] as const;

interface Snapshot {
  exported: Array<{ rule: InventoryRule; health: ReplicationHealth }>;
  omitted: number;
  total: number;
  at: number;
}

/**
 * The fleet's Prometheus metrics (DESIGN §11): one series per rule, computed at scrape time from the
 * newest stored samples through the same health function as the API, bounded by
 * `GATEWAY_METRICS_MAX_RULES` (the first rules in key order, so series do not come and go as health
 * changes; `gateway_fleet_metrics_rules_omitted` counts the others). Plus the sampler's own metrics,
 * fed by its `onPass` hook.
 */
export class FleetMetrics {
  private snapshotPromise: { at: number; promise: Promise<Snapshot> } | undefined;

  readonly progress: Gauge<(typeof RULE_LABELS)[number]>;
  readonly lag: Gauge<(typeof RULE_LABELS)[number]>;
  readonly eta: Gauge<(typeof RULE_LABELS)[number]>;
  readonly health: Gauge<(typeof RULE_LABELS)[number] | 'state'>;
  readonly rules: Gauge;
  readonly omitted: Gauge;
  readonly passes: Counter;
  readonly failures: Counter;
  readonly lastSuccess: Gauge;
  readonly leader: Gauge;
  readonly deferred: Gauge;
  readonly samplesStored: Counter;

  constructor(private readonly options: FleetMetricsOptions) {
    const registers = [options.registry];
    const collectRules = (set: (snapshot: Snapshot) => void) => async (): Promise<void> => {
      set(await this.snapshot());
    };
    this.progress = new Gauge({
      name: 'oss_replication_historical_progress_ratio',
      help: 'Fraction (0..1) of historical objects replicated, per rule, as last sampled.',
      labelNames: RULE_LABELS,
      registers,
      collect: collectRules((s) => {
        this.progress.reset();
        for (const { rule, health } of s.exported) {
          if (health.historicalObjectProgress !== null) {
            this.progress.set(labels(rule), health.historicalObjectProgress);
          }
        }
      }),
    });
    this.lag = new Gauge({
      name: 'oss_replication_new_object_lag_seconds',
      help: 'Seconds since the new-object watermark (everything written before it is replicated), per rule.',
      labelNames: RULE_LABELS,
      registers,
      collect: collectRules((s) => {
        this.lag.reset();
        for (const { rule, health } of s.exported) {
          if (health.lagSeconds !== null) {
            this.lag.set(labels(rule), health.lagSeconds);
          }
        }
      }),
    });
    this.eta = new Gauge({
      name: 'oss_replication_historical_eta_seconds',
      help: 'Estimated seconds until historical replication completes, per rule (absent without a positive rate).',
      labelNames: RULE_LABELS,
      registers,
      collect: collectRules((s) => {
        this.eta.reset();
        for (const { rule, health } of s.exported) {
          if (health.historicalEta !== null) {
            this.eta.set(
              labels(rule),
              Math.max(0, Math.round((Date.parse(health.historicalEta) - s.at) / 1000)),
            );
          }
        }
      }),
    });
    this.health = new Gauge({
      name: 'oss_replication_rule_health',
      help: `Health state per rule: 1 for the current state, 0 for the others (${HEALTH_STATES.join(', ')}).`,
      labelNames: [...RULE_LABELS, 'state'],
      registers,
      collect: collectRules((s) => {
        this.health.reset();
        for (const { rule, health } of s.exported) {
          for (const state of HEALTH_STATES) {
            this.health.set({ ...labels(rule), state }, health.state === state ? 1 : 0);
          }
        }
      }),
    });
    this.rules = new Gauge({
      name: 'gateway_fleet_rules',
      help: 'Replication rules in the inventory.',
      registers,
      collect: collectRules((s) => this.rules.set(s.total)),
    });
    this.omitted = new Gauge({
      name: 'gateway_fleet_metrics_rules_omitted',
      help: 'Rules not exported as per-rule series because GATEWAY_METRICS_MAX_RULES was reached.',
      registers,
      collect: collectRules((s) => this.omitted.set(s.omitted)),
    });
    this.passes = new Counter({
      name: 'gateway_sampler_passes_total',
      help: 'Progress-sampler passes this instance ran as leader.',
      registers,
    });
    this.failures = new Counter({
      name: 'gateway_sampler_failures_total',
      help: 'Progress-sampler passes that failed (the store or the rule source; failed OSS reads are stored as samples).',
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'gateway_sampler_last_success_timestamp_seconds',
      help: 'Unix time of the last sampler pass this instance completed as leader (0: none yet).',
      registers,
    });
    this.leader = new Gauge({
      name: 'gateway_sampler_leader',
      help: '1 while this instance leads the sampler (samples the fleet), 0 otherwise.',
      registers,
    });
    this.deferred = new Gauge({
      name: 'gateway_sampler_deferred_rules',
      help: 'Rules the last pass left for a later one (GATEWAY_SAMPLER_MAX_CALLS_PER_INTERVAL reached).',
      registers,
    });
    this.samplesStored = new Counter({
      name: 'gateway_sampler_samples_total',
      help: 'Progress samples stored by this instance (failed reads included).',
      registers,
    });
    this.lastSuccess.set(0);
    this.leader.set(0);
    this.deferred.set(0);
  }

  /** The sampler's `onPass` hook. */
  observePass(result: SamplerPassResult, error?: Error): void {
    this.leader.set(result.leader ? 1 : 0);
    if (!result.leader) {
      return;
    }
    this.passes.inc();
    if (error) {
      this.failures.inc();
      return;
    }
    this.samplesStored.inc(result.samples);
    this.deferred.set(result.deferred);
    this.lastSuccess.set(this.options.clock().getTime() / 1000);
  }

  /** The exported rules' health, computed once per scrape (the gauges' collects share it). */
  private snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (this.snapshotPromise && now - this.snapshotPromise.at < 1000) {
      return this.snapshotPromise.promise;
    }
    const promise = this.computeSnapshot();
    this.snapshotPromise = { at: now, promise };
    return promise;
  }

  private async computeSnapshot(): Promise<Snapshot> {
    const all = this.options.inventory.rules();
    const exported = all.slice(0, Math.max(0, this.options.maxRules));
    const samples =
      exported.length > 0 ? await this.options.samples.latest(all) : new Map<string, ProgressSample[]>();
    const at = this.options.clock();
    return {
      exported: exported.map((rule) => ({
        rule,
        health: computeReplicationHealth(samples.get(ruleKey(rule)) ?? [], at, this.options.thresholds),
      })),
      omitted: all.length - exported.length,
      total: all.length,
      at: at.getTime(),
    };
  }
}

function labels(rule: InventoryRule): { account: string; bucket: string; rule: string } {
  return { account: rule.account, bucket: rule.bucket, rule: rule.ruleId };
}
