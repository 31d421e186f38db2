import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HEALTH_STATES } from '../../src/fleet/health/replication-health.js';
import { InMemoryInventory } from '../../src/fleet/inventory/inventory.js';
import { ProgressSampler } from '../../src/fleet/sampler/progress-sampler.js';
import {
  PROGRESS_SAMPLE_STORE,
  type ProgressSampleStore,
} from '../../src/fleet/store/progress-sample-store.js';
import { fleetOf, type FleetFixture } from '../fixtures/fleet.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { REPO_ROOT } from '../utils/gateway-process.js';

/*
 * The fleet's Prometheus metrics (DESIGN §11) as /metrics serves them, computed at scrape time from
 * stored samples: one series per rule up to GATEWAY_METRICS_MAX_RULES; and deploy/'s dashboard and
 * alert rules use only metrics the gateway really exports.
 */

const MAX_RULES = 7;
const RULES = 12;

/** Sample lines of the exposition text: `name{labels} value`. */
function samplesOf(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (match) {
      const labels = Object.fromEntries(
        [...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      out.push({ labels, value: Number(match[2]) });
    }
  }
  return out;
}

/** Every metric name the scrape shows (`# TYPE` lines and samples, histogram suffixes included). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) {
      names.add(type[1]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) {
      names.add(sample[1]);
    }
  }
  return names;
}

/** Gateway metric names a PromQL expression uses (ours are all `oss_replication_*` or `gateway_*`). */
function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:oss_replication|gateway)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
}

describe('fleet metrics', () => {
  let t: TestApp;
  let fleet: FleetFixture;
  let scrape: string;

  beforeAll(async () => {
    const inventory = new InMemoryInventory();
    t = await createTestApp(
      {
        GATEWAY_METRICS_MAX_RULES: String(MAX_RULES),
        GATEWAY_SAMPLE_INTERVAL_SECONDS: '86400',
        // The fixture's samples are judged by §11's default thresholds, not embedded mode's minute.
        GATEWAY_STALL_AFTER_SECONDS: '1800',
      },
      { inventory },
    );
    // One pass (over the empty inventory) for the sampler's metrics, then none: the samples are the test's.
    const sampler = t.app.get(ProgressSampler);
    await sampler.runPass();
    await sampler.stop();
    fleet = fleetOf(RULES, new Date(), { rulesPerBucket: 2 });
    inventory.set(fleet.rules);
    // The inventory's order (account, bucket, rule id) decides which rules are exported.
    const byId = new Map(fleet.rules.map((r) => [r.ruleId, r]));
    fleet.rules = inventory.rules().map((r) => byId.get(r.ruleId)!);
    await t.app.get<ProgressSampleStore>(PROGRESS_SAMPLE_STORE).append(fleet.samples);
    const res = await t.request.get('/metrics');
    expect(res.status).toBe(200);
    scrape = res.text;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('exports one series per rule for the first GATEWAY_METRICS_MAX_RULES rules and counts the others', () => {
    const exported = fleet.rules.slice(0, MAX_RULES);
    const health = samplesOf(scrape, 'oss_replication_rule_health');
    expect(health).toHaveLength(MAX_RULES * HEALTH_STATES.length);
    for (const rule of exported) {
      const mine = health.filter((s) => s.labels.bucket === rule.bucket && s.labels.rule === rule.ruleId);
      expect(mine.map((s) => s.labels.state).sort()).toEqual([...HEALTH_STATES].sort());
      expect(mine.filter((s) => s.value === 1).map((s) => s.labels.state)).toEqual([rule.expected]);
      expect(mine.every((s) => s.labels.account === rule.account)).toBe(true);
    }
    expect(samplesOf(scrape, 'gateway_fleet_metrics_rules_omitted')).toEqual([
      { labels: {}, value: RULES - MAX_RULES },
    ]);
    expect(samplesOf(scrape, 'gateway_fleet_rules')).toEqual([{ labels: {}, value: RULES }]);
    // Rules beyond the bound have no series at all.
    const omitted = new Set(fleet.rules.slice(MAX_RULES).map((r) => r.ruleId));
    for (const name of [
      'oss_replication_rule_health',
      'oss_replication_new_object_lag_seconds',
      'oss_replication_historical_progress_ratio',
      'oss_replication_historical_eta_seconds',
    ]) {
      expect(samplesOf(scrape, name).some((s) => omitted.has(s.labels.rule))).toBe(false);
    }
  });

  it('exports lag, progress and ETA where the samples have them', () => {
    const lag = samplesOf(scrape, 'oss_replication_new_object_lag_seconds');
    const lagging = fleet.rules.slice(0, MAX_RULES).find((r) => r.expected === 'lagging')!;
    const lagOf = lag.find((s) => s.labels.rule === lagging.ruleId)!;
    expect(lagOf.value).toBeGreaterThan(7_200);
    const unknown = fleet.rules.slice(0, MAX_RULES).find((r) => r.expected === 'unknown')!;
    expect(lag.some((s) => s.labels.rule === unknown.ruleId)).toBe(false);
    const catchingUp = fleet.rules.slice(0, MAX_RULES).find((r) => r.expected === 'catching_up')!;
    const progress = samplesOf(scrape, 'oss_replication_historical_progress_ratio');
    expect(progress.find((s) => s.labels.rule === catchingUp.ruleId)?.value).toBeCloseTo(0.4);
    const eta = samplesOf(scrape, 'oss_replication_historical_eta_seconds');
    expect(eta.find((s) => s.labels.rule === catchingUp.ruleId)?.value).toBeGreaterThan(0);
  });

  it('exports the sampler’s own metrics', () => {
    for (const name of [
      'gateway_sampler_passes_total',
      'gateway_sampler_failures_total',
      'gateway_sampler_last_success_timestamp_seconds',
      'gateway_sampler_leader',
    ]) {
      expect(samplesOf(scrape, name), name).toHaveLength(1);
    }
    // The start-up pass ran as leader (SQLite: the only instance) over the then-empty inventory.
    expect(samplesOf(scrape, 'gateway_sampler_passes_total')[0].value).toBeGreaterThanOrEqual(1);
    expect(samplesOf(scrape, 'gateway_sampler_last_success_timestamp_seconds')[0].value).toBeGreaterThan(0);
  });

  it('uses in deploy/ only metric names the gateway exports', () => {
    const names = exportedNames(scrape);
    const alerts = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus-alerts.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ query?: unknown }> };
    };
    const used: Array<[where: string, expr: string]> = [
      ...alerts.groups.flatMap((g) => g.rules.map((r) => [`alert ${r.alert}`, r.expr] as [string, string])),
      ...dashboard.panels.flatMap((p) =>
        p.targets.map((x) => [`panel ${p.title}`, x.expr] as [string, string]),
      ),
      ...dashboard.templating.list
        .filter((v) => typeof v.query === 'string')
        .map((v) => ['template variable', v.query as string] as [string, string]),
    ];
    expect(alerts.groups[0].rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'OssReplicationRuleLagging',
        'OssReplicationRuleStalled',
        'GatewaySamplerFailing',
      ]),
    );
    let checked = 0;
    for (const [where, expr] of used) {
      for (const name of metricNamesIn(expr)) {
        expect(names.has(name), `${where}: ${name} is not exported`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
