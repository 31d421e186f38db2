import type { RtcStatusEnum } from '../../replication/dto/replication.enums.js';
import type { ReplicationRule } from '../../replication/dto/replication-rule.type.js';
import { toRuleView } from '../../replication/replication-view.mapper.js';
import type { ProgressSample as ProgressSampleModel } from '../domain/progress-sample.js';
import type { ReplicationHealth as ReplicationHealthModel } from '../health/replication-health.js';
import type { FleetFilterModel, FleetPage, FleetRow, HistoryPage } from './fleet.service.js';
import type { FleetFilter } from './dto/fleet.args.js';
import { FleetRule, FleetRulePage } from './dto/fleet-rule.type.js';
import type { HealthStateEnum, SampleStatusEnum } from './dto/fleet.enums.js';
import { ProgressHistoryPage, ProgressSample } from './dto/progress-sample.type.js';
import { ReplicationHealth } from './dto/replication-health.type.js';

/* Pure domain → API mapping of the fleet; the enums' values ARE the domain strings. */

export function toFleetFilterModel(filter: FleetFilter | undefined): FleetFilterModel {
  const model: FleetFilterModel = {};
  if (filter?.account !== undefined && filter.account !== null) {
    model.account = filter.account;
  }
  if (filter?.bucket !== undefined && filter.bucket !== null) {
    model.bucket = filter.bucket;
  }
  if (filter?.health !== undefined && filter.health !== null) {
    model.health = filter.health;
  }
  if (filter?.status !== undefined && filter.status !== null) {
    model.status = filter.status;
  }
  if (filter?.rtc !== undefined && filter.rtc !== null) {
    model.rtc = filter.rtc;
  }
  return model;
}

export function toHealthView(model: ReplicationHealthModel): ReplicationHealth {
  return Object.assign(new ReplicationHealth(), {
    state: model.state as HealthStateEnum,
    reasons: [...model.reasons],
    lagSeconds: model.lagSeconds,
    historicalObjectProgress: model.historicalObjectProgress,
    historicalRatePerHour: model.historicalRatePerHour,
    historicalEta: model.historicalEta,
    since: model.since,
    sampledAt: model.sampledAt,
  });
}

/**
 * The rule of a fleet row. For GraphQL it is also the parent of `ReplicationRule` field resolvers,
 * which read its bucket and (so the request pipeline needs no region lookup) its bucket's ARN: both
 * are non-enumerable, so REST's JSON leaves them out.
 */
function fleetRuleView(row: FleetRow): ReplicationRule {
  const view = toRuleView(row.rule);
  Object.defineProperty(view, 'bucket', { value: row.bucket, enumerable: false });
  Object.defineProperty(view, 'bucketResource', { value: row.resource, enumerable: false });
  return view;
}

export function toFleetRuleView(row: FleetRow): FleetRule {
  return Object.assign(new FleetRule(), {
    account: row.account,
    bucket: row.bucket,
    region: row.region,
    rule: fleetRuleView(row),
    health: row.health ? toHealthView(row.health) : null,
  });
}

export function toFleetPageView(page: FleetPage): FleetRulePage {
  return Object.assign(new FleetRulePage(), {
    items: page.items.map(toFleetRuleView),
    nextCursor: page.nextCursor,
  });
}

export function toSampleView(model: ProgressSampleModel): ProgressSample {
  const view = Object.assign(new ProgressSample(), {
    time: model.time.toISOString(),
    status: model.status as SampleStatusEnum | null,
    historicalObjectProgress: model.historicalObjectProgress,
    newObjectsReplicatedUntil: model.newObjectsReplicatedUntil?.toISOString() ?? null,
    rtcStatus: model.rtcStatus as RtcStatusEnum | null,
  });
  if (model.error !== undefined) {
    view.error = model.error;
  }
  return view;
}

export function toHistoryPageView(page: HistoryPage): ProgressHistoryPage {
  return Object.assign(new ProgressHistoryPage(), {
    samples: page.samples.map(toSampleView),
    nextCursor: page.nextCursor,
  });
}
