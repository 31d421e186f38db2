import type {
  NewReplicationRule,
  ReplicationLocationsModel,
  ReplicationProgressModel,
  ReplicationRuleModel,
  RtcStatus,
  RuleAction,
  RuleStatus,
  TransferType,
} from '../replication/domain/replication-rule.js';
import { OssClientError } from '../oss/errors.js';
import type {
  GetBucketReplicationLocationOutput,
  ReplicationRuleInput,
  ReplicationRuleProgressWire,
  ReplicationRuleWire,
} from '../oss/models/replication.js';
import { toLocation } from '../oss/region.js';

/*
 * Wire ⇄ domain, pure. OSS may send values the domain does not know; those are refused as a
 * malformed response (502) rather than passed on as something the API cannot describe.
 */

function malformed(message: string): OssClientError {
  return new OssClientError('MalformedResponse', message);
}

export function ruleStatusFromWire(value: string | undefined): RuleStatus {
  switch ((value ?? '').toLowerCase()) {
    case 'starting':
      return 'starting';
    case 'doing':
      return 'doing';
    case 'closing':
      return 'closing';
    case '':
      // GetBucketReplication always reports a status; an absent one means "not yet effective".
      return 'starting';
    default:
      throw malformed(`Rule/Status: unknown value ${JSON.stringify(value)}`);
  }
}

/** `ALL`, `PUT`, or an older server's comma list (`PUT,DELETE,ABORT` replicates deletes → ALL). */
export function actionFromWire(value: string): RuleAction {
  const parts = value
    .split(',')
    .map((p) => p.trim().toUpperCase())
    .filter(Boolean);
  if (parts.length === 0 || parts.includes('ALL') || parts.includes('DELETE')) {
    return 'ALL';
  }
  if (parts.every((p) => p === 'PUT' || p === 'ABORT')) {
    return 'PUT';
  }
  throw malformed(`Rule/Action: unknown value ${JSON.stringify(value)}`);
}

export function transferTypeFromWire(value: string): TransferType {
  switch (value.toLowerCase()) {
    case 'internal':
    case '':
      return 'internal';
    case 'oss_acc':
      return 'oss_acc';
    default:
      throw malformed(`TransferType: unknown value ${JSON.stringify(value)}`);
  }
}

function rtcStatusFromWire(value: string): RtcStatus {
  switch (value.toLowerCase()) {
    case 'enabling':
      return 'enabling';
    case 'enabled':
      return 'enabled';
    case 'disabled':
      return 'disabled';
    default:
      throw malformed(`RTC/Status: unknown value ${JSON.stringify(value)}`);
  }
}

export function ruleFromWire(wire: ReplicationRuleWire): ReplicationRuleModel {
  const rule: ReplicationRuleModel = {
    id: wire.id,
    status: ruleStatusFromWire(wire.status),
    prefixes: [...wire.prefixes],
    action: actionFromWire(wire.action),
    destination: {
      bucket: wire.destination.bucket,
      location: toLocation(wire.destination.location),
      transferType: transferTypeFromWire(wire.destination.transferType),
    },
    historicalObjectReplication: wire.historicalObjectReplication,
    rtc: { enabled: false },
  };
  if (wire.syncRole !== undefined) {
    rule.syncRole = wire.syncRole;
  }
  if (wire.sseKmsEncryptedObjects !== undefined) {
    rule.sseKmsEncryptedObjects = wire.sseKmsEncryptedObjects;
  }
  if (wire.replicaKmsKeyId !== undefined) {
    rule.replicaKmsKeyId = wire.replicaKmsKeyId;
  }
  if (wire.rtc) {
    const status = rtcStatusFromWire(wire.rtc.status);
    rule.rtc = { enabled: status !== 'disabled', status };
  }
  return rule;
}

/** Domain → the OSS client's typed input (every default explicit, so the XML says what we mean). */
export function ruleToWire(rule: NewReplicationRule): ReplicationRuleInput & { id: string } {
  const input: ReplicationRuleInput & { id: string } = {
    id: rule.id,
    prefixes: [...rule.prefixes],
    action: rule.action,
    destination: { ...rule.destination },
    historicalObjectReplication: rule.historicalObjectReplication,
  };
  if (rule.syncRole !== undefined) {
    input.syncRole = rule.syncRole;
  }
  if (rule.sseKmsEncryptedObjects !== undefined) {
    input.sseKmsEncryptedObjects = rule.sseKmsEncryptedObjects;
  }
  if (rule.replicaKmsKeyId !== undefined) {
    input.replicaKmsKeyId = rule.replicaKmsKeyId;
  }
  if (rule.rtc.enabled) {
    input.rtc = { enabled: true };
  }
  return input;
}

/** One rule of a GetBucketReplicationProgress answer → the domain progress. */
export function progressFromWire(output: ReplicationRuleProgressWire): ReplicationProgressModel {
  const rule = ruleFromWire(output.rule);
  return {
    ruleId: rule.id,
    status: rule.status,
    destination: rule.destination,
    historicalObjectReplication: rule.historicalObjectReplication,
    historicalObjectProgress: output.historicalObjectProgress,
    newObjectsReplicatedUntil: output.newObjectsReplicatedUntil,
  };
}

/**
 * GetBucketReplicationLocation → one entry per destination region. A region listed under
 * LocationTransferTypeConstraint allows exactly the types listed there (e.g. `oss_acc` across the
 * mainland border); any other partner allows both (`oss_acc` is a cross-region option). RTC is
 * supported where LocationRTCConstraint lists the region.
 */
export function locationsFromWire(output: GetBucketReplicationLocationOutput): ReplicationLocationsModel {
  const constraints = new Map(
    output.transferTypeConstraints.map((c) => [toLocation(c.location), c.transferTypes]),
  );
  const rtc = new Set(output.rtcLocations.map(toLocation));
  const all = [...new Set([...output.locations, ...constraints.keys()].map(toLocation))];
  return {
    locations: all.map((location) => {
      const constrained = constraints.get(location);
      const transferTypes: TransferType[] = constrained
        ? [...new Set(constrained.filter((t): t is TransferType => t === 'internal' || t === 'oss_acc'))]
        : ['internal', 'oss_acc'];
      return { location, transferTypes, rtcSupported: rtc.has(location) };
    }),
  };
}
