import type {
  NewReplicationRuleRequest,
  ReplicationLocationsModel,
  ReplicationProgressModel,
  ReplicationRuleModel,
} from './domain/replication-rule.js';
import type { CreateOutcome, DryRunPlan } from './replication.service.js';
import type { CreateReplicationRuleInput } from './dto/create-replication-rule.input.js';
import { ReplicationLocation, ReplicationLocations } from './dto/replication-locations.type.js';
import { ReplicationProgress } from './dto/replication-progress.type.js';
import {
  PreflightNote,
  ReplicationDestination,
  ReplicationRequestPlan,
  ReplicationRule,
  ReplicationTimeControl,
} from './dto/replication-rule.type.js';
import type {
  PreflightSeverityEnum,
  ReplicationActionEnum,
  ReplicationRuleStatusEnum,
  RtcStatusEnum,
  TransferTypeEnum,
} from './dto/replication.enums.js';

/*
 * Pure domain ⇄ API mapping. The enums' values ARE the domain strings, so the casts below only
 * change the nominal type.
 */

/**
 * What a GraphQL `ReplicationRule` resolves from: the rule's view and the source bucket it belongs
 * to, which the `progress` field (and the guard, through `parentBucketArn()`) reads. Not a GraphQL
 * field; REST answers plain views.
 */
export type ReplicationRuleParent = ReplicationRule & { readonly bucket: string };

export function ruleParent(bucket: string, view: ReplicationRule): ReplicationRuleParent {
  return Object.assign(view, { bucket });
}

function destinationView(model: ReplicationRuleModel['destination']): ReplicationDestination {
  return Object.assign(new ReplicationDestination(), {
    bucket: model.bucket,
    location: model.location,
    transferType: model.transferType as TransferTypeEnum,
  });
}

export function toPlanView(plan: DryRunPlan): ReplicationRequestPlan {
  const view = new ReplicationRequestPlan();
  view.operation = plan.operation;
  view.method = plan.method;
  view.bucket = plan.bucket;
  view.resource = plan.resource;
  if (plan.contentType !== undefined) {
    view.contentType = plan.contentType;
  }
  if (plan.body !== undefined) {
    view.body = plan.body;
  }
  view.dryRun = true;
  view.findings = plan.findings.map((f) =>
    Object.assign(new PreflightNote(), {
      field: f.field,
      code: f.code,
      severity: f.severity as PreflightSeverityEnum,
      message: f.message,
    }),
  );
  return view;
}

export function toRuleView(model: ReplicationRuleModel, plan?: DryRunPlan | null): ReplicationRule {
  const view = new ReplicationRule();
  view.id = model.id;
  view.status = model.status as ReplicationRuleStatusEnum;
  view.prefixes = [...model.prefixes];
  view.action = model.action as ReplicationActionEnum;
  view.destination = destinationView(model.destination);
  view.historicalObjectReplication = model.historicalObjectReplication;
  if (model.syncRole !== undefined) {
    view.syncRole = model.syncRole;
  }
  if (model.sseKmsEncryptedObjects !== undefined) {
    view.sseKmsEncryptedObjects = model.sseKmsEncryptedObjects;
  }
  if (model.replicaKmsKeyId !== undefined) {
    view.replicaKmsKeyId = model.replicaKmsKeyId;
  }
  const rtc = new ReplicationTimeControl();
  rtc.enabled = model.rtc.enabled;
  if (model.rtc.status !== undefined) {
    rtc.status = model.rtc.status as RtcStatusEnum;
  }
  view.rtc = rtc;
  if (plan !== undefined) {
    // `null`: a dry run that would send nothing (an idempotent replay).
    view.plan = plan === null ? null : toPlanView(plan);
  }
  return view;
}

/** A create's answer: the rule, a dry run's plan, and `idempotentReplay: true` when nothing was (would be) created. */
export function toCreatedRuleView(outcome: CreateOutcome): ReplicationRule {
  const view = toRuleView(outcome.rule, outcome.plan);
  if (!outcome.created) {
    view.idempotentReplay = true;
  }
  return view;
}

export function toProgressView(model: ReplicationProgressModel): ReplicationProgress {
  return Object.assign(new ReplicationProgress(), {
    ruleId: model.ruleId,
    status: model.status as ReplicationRuleStatusEnum,
    destination: destinationView(model.destination),
    historicalObjectReplication: model.historicalObjectReplication,
    historicalObjectProgress: model.historicalObjectProgress,
    newObjectsReplicatedUntil: model.newObjectsReplicatedUntil?.toISOString() ?? null,
  });
}

export function toLocationsView(model: ReplicationLocationsModel): ReplicationLocations {
  return Object.assign(new ReplicationLocations(), {
    locations: model.locations.map((l) =>
      Object.assign(new ReplicationLocation(), {
        location: l.location,
        transferTypes: l.transferTypes.map((t) => t as TransferTypeEnum),
        rtcSupported: l.rtcSupported,
      }),
    ),
  });
}

/** API input → domain request (no defaults applied here: the domain owns them). */
export function toNewRuleRequest(input: CreateReplicationRuleInput): NewReplicationRuleRequest {
  const request: NewReplicationRuleRequest = {
    destination: {
      bucket: input.destination.bucket,
      location: input.destination.location,
      ...(input.destination.transferType ? { transferType: input.destination.transferType } : {}),
    },
  };
  if (input.id !== undefined && input.id !== null) {
    request.id = input.id;
  }
  if (input.prefixes) {
    request.prefixes = [...input.prefixes];
  }
  if (input.action) {
    request.action = input.action;
  }
  if (typeof input.historicalObjectReplication === 'boolean') {
    request.historicalObjectReplication = input.historicalObjectReplication;
  }
  if (typeof input.syncRole === 'string') {
    request.syncRole = input.syncRole;
  }
  if (typeof input.sseKmsEncryptedObjects === 'boolean') {
    request.sseKmsEncryptedObjects = input.sseKmsEncryptedObjects;
  }
  if (typeof input.replicaKmsKeyId === 'string') {
    request.replicaKmsKeyId = input.replicaKmsKeyId;
  }
  if (input.rtc) {
    request.rtc = { enabled: input.rtc.enabled };
  }
  return request;
}
