/**
 * The replication domain: plain types and their invariants. No decorators, no OSS wire names.
 * Services speak these types; `src/upstream` maps them to and from the wire, and
 * `replication-view.mapper.ts` maps them to the API classes.
 */

export const RULE_STATUSES = ['starting', 'doing', 'closing'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export const RULE_ACTIONS = ['ALL', 'PUT'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const TRANSFER_TYPES = ['internal', 'oss_acc'] as const;
export type TransferType = (typeof TRANSFER_TYPES)[number];

export const RTC_STATUSES = ['enabling', 'enabled', 'disabled'] as const;
export type RtcStatus = (typeof RTC_STATUSES)[number];

/** Rule ids the gateway accepts: letters, digits and `._:-` (OSS's generated ids are UUIDs). */
export const RULE_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

export interface Destination {
  bucket: string;
  /** OSS location form, `oss-cn-beijing`. */
  location: string;
  transferType: TransferType;
}

export interface RuleRtc {
  enabled: boolean;
  /** As OSS reports it; absent when OSS reports no RTC element. */
  status?: RtcStatus;
}

/** A replication rule as it exists on a source bucket. */
export interface ReplicationRuleModel {
  id: string;
  status: RuleStatus;
  /** `[]` = the whole bucket. */
  prefixes: string[];
  action: RuleAction;
  destination: Destination;
  historicalObjectReplication: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: boolean;
  replicaKmsKeyId?: string;
  rtc: RuleRtc;
}

/**
 * A rule to create: every default applied and the id chosen. The transfer type is the one exception:
 * it is sent only when the caller gave it or pre-flight chose it (absent, OSS applies `internal`).
 */
export interface NewReplicationRule {
  id: string;
  prefixes: string[];
  action: RuleAction;
  destination: { bucket: string; location: string; transferType?: TransferType };
  historicalObjectReplication: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: boolean;
  replicaKmsKeyId?: string;
  rtc: { enabled: boolean };
}

/** What a caller asks for (defaults not yet applied, id optional). */
export interface NewReplicationRuleRequest {
  id?: string;
  prefixes?: string[];
  action?: RuleAction;
  destination: { bucket: string; location: string; transferType?: TransferType };
  historicalObjectReplication?: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: boolean;
  replicaKmsKeyId?: string;
  rtc?: { enabled: boolean };
}

export interface ReplicationProgressModel {
  ruleId: string;
  status: RuleStatus;
  destination: Destination;
  historicalObjectReplication: boolean;
  /** 0..1, null when OSS reports none (rule not `doing`, or historical replication disabled). */
  historicalObjectProgress: number | null;
  /** Everything written before this instant has been replicated; null when not reported. */
  newObjectsReplicatedUntil: Date | null;
}

export interface ReplicationLocationModel {
  /** OSS location form. */
  location: string;
  transferTypes: TransferType[];
  rtcSupported: boolean;
}

export interface ReplicationLocationsModel {
  locations: ReplicationLocationModel[];
}

/** Applies OSS's defaults (reference §2.1) and fixes the id; a transfer type is kept only when given. */
export function completeNewRule(request: NewReplicationRuleRequest, id: string): NewReplicationRule {
  return {
    id,
    prefixes: [...(request.prefixes ?? [])],
    action: request.action ?? 'ALL',
    destination: {
      bucket: request.destination.bucket,
      location: request.destination.location,
      ...(request.destination.transferType !== undefined
        ? { transferType: request.destination.transferType }
        : {}),
    },
    historicalObjectReplication: request.historicalObjectReplication ?? true,
    ...(request.syncRole !== undefined ? { syncRole: request.syncRole } : {}),
    ...(request.sseKmsEncryptedObjects !== undefined
      ? { sseKmsEncryptedObjects: request.sseKmsEncryptedObjects }
      : {}),
    ...(request.replicaKmsKeyId !== undefined ? { replicaKmsKeyId: request.replicaKmsKeyId } : {}),
    rtc: { enabled: request.rtc?.enabled ?? false },
  };
}

/** The transfer type OSS applies to a new rule: the one sent, else OSS's default `internal`. */
export function effectiveTransferType(rule: NewReplicationRule): TransferType {
  return rule.destination.transferType ?? 'internal';
}

function samePrefixes(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((p) => right.has(p));
}

/**
 * Whether an existing rule is what `wanted` would create: the test for an idempotent retry.
 * Status and the RTC *status* are ignored (they move on their own); prefix order is irrelevant.
 */
export function isEquivalentRule(existing: ReplicationRuleModel, wanted: NewReplicationRule): boolean {
  return (
    existing.id === wanted.id &&
    samePrefixes(existing.prefixes, wanted.prefixes) &&
    existing.action === wanted.action &&
    existing.destination.bucket === wanted.destination.bucket &&
    existing.destination.location === wanted.destination.location &&
    existing.destination.transferType === effectiveTransferType(wanted) &&
    existing.historicalObjectReplication === wanted.historicalObjectReplication &&
    (existing.syncRole ?? '') === (wanted.syncRole ?? '') &&
    (existing.sseKmsEncryptedObjects ?? false) === (wanted.sseKmsEncryptedObjects ?? false) &&
    (existing.replicaKmsKeyId ?? '') === (wanted.replicaKmsKeyId ?? '') &&
    existing.rtc.enabled === wanted.rtc.enabled
  );
}

/** The rule as it will look right after PutBucketReplication (what a create answers and a dry run shows). */
export function ruleFromNew(rule: NewReplicationRule): ReplicationRuleModel {
  const { rtc, destination, ...rest } = rule;
  return {
    ...rest,
    destination: { ...destination, transferType: effectiveTransferType(rule) },
    status: 'starting',
    rtc: rtc.enabled ? { enabled: true, status: 'enabling' } : { enabled: false },
  };
}

/** The REST path of a rule (the `Location` header of a create). */
export function rulePath(bucket: string, ruleId: string): string {
  return `/v1/buckets/${encodeURIComponent(bucket)}/replication/rules/${encodeURIComponent(ruleId)}`;
}
