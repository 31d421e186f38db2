/**
 * OSS replication wire model.
 *
 * Two tiers live here and only here:
 * - `*Xml` interfaces: the XML exactly as OSS names it (PascalCase, every value a string);
 * - camel-case `*Wire` / `*Input` / `*Output` types: what `OssClient` takes and returns, already
 *   converted to numbers, booleans and Dates. Feature adapters map these to their domain types.
 */

// ---- XML shapes (PascalCase, strings) -------------------------------------------------------

export interface ReplicationDestinationXml {
  Bucket: string;
  Location: string;
  TransferType?: string;
}

export interface ReplicationRuleXml {
  ID?: string;
  PrefixSet?: { Prefix: string[] };
  Action?: string;
  Destination: ReplicationDestinationXml;
  Status?: string;
  HistoricalObjectReplication?: string;
  SyncRole?: string;
  SourceSelectionCriteria?: { SseKmsEncryptedObjects: { Status: string } };
  EncryptionConfiguration?: { ReplicaKmsKeyID: string };
  RTC?: { Status: string };
  Progress?: { HistoricalObject?: string; NewObject?: string };
}

// ---- camel-case typed input / output --------------------------------------------------------

/** Values OSS documents. Output fields are typed `string` because OSS may add values later; they are passed through unchanged. */
export type ReplicationRuleStatus = 'starting' | 'doing' | 'closing';
export type ReplicationAction = 'ALL' | 'PUT';
export type TransferType = 'internal' | 'oss_acc';
export type RtcStatus = 'enabled' | 'disabled' | 'enabling';

export interface ReplicationDestinationWire {
  bucket: string;
  /** OSS location form, e.g. `oss-cn-beijing`. */
  location: string;
  /** {@link TransferType}; `internal` when OSS omits it. */
  transferType: string;
}

/** A replication rule as OSS reports it (GetBucketReplication, GetBucketReplicationProgress). */
export interface ReplicationRuleWire {
  id: string;
  /** {@link ReplicationRuleStatus}; absent only in a rule echoed from a request. */
  status?: string;
  /** `[]` = the whole bucket. */
  prefixes: string[];
  /** `ALL` (OSS default when absent), `PUT`, or a comma list (`PUT,DELETE`) from older servers. */
  action: string;
  destination: ReplicationDestinationWire;
  /** OSS default `enabled` → true. */
  historicalObjectReplication: boolean;
  syncRole?: string;
  /** `SourceSelectionCriteria/SseKmsEncryptedObjects/Status = Enabled`. */
  sseKmsEncryptedObjects?: boolean;
  /** `EncryptionConfiguration/ReplicaKmsKeyID`. */
  replicaKmsKeyId?: string;
  /** `RTC/Status` ({@link RtcStatus}) when reported. */
  rtc?: { status: string };
}

/** What a caller sends to create a rule (PutBucketReplication). */
export interface ReplicationRuleInput {
  /** Generated with `crypto.randomUUID()` when absent; always sent so a retry is idempotent. */
  id?: string;
  prefixes?: string[];
  /** Default `ALL`. */
  action?: ReplicationAction;
  /** `transferType` is sent only when given (OSS's default is `internal`). */
  destination: { bucket: string; location: string; transferType?: TransferType };
  /** Default true. */
  historicalObjectReplication?: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: boolean;
  replicaKmsKeyId?: string;
  rtc?: { enabled: boolean };
}

/** Every operation result carries the OSS request id. */
export interface OssResultMeta {
  requestId: string;
}

export interface PutBucketReplicationOutput extends OssResultMeta {
  /** `x-oss-replication-rule-id` when OSS sends it, else the id we sent. */
  ruleId: string;
}

export interface GetBucketReplicationOutput extends OssResultMeta {
  rules: ReplicationRuleWire[];
}

export interface DeleteBucketReplicationOutput extends OssResultMeta {
  /** OSS answers 204 when the rule was already closing. */
  alreadyClosing: boolean;
}

export type PutBucketRtcOutput = OssResultMeta;

export interface ReplicationTransferTypeConstraintWire {
  location: string;
  transferTypes: string[];
}

export interface GetBucketReplicationLocationOutput extends OssResultMeta {
  /** Destination locations (`oss-` form) replication may target. */
  locations: string[];
  /** Locations restricted to particular transfer types (e.g. `oss_acc` for cross-border). */
  transferTypeConstraints: ReplicationTransferTypeConstraintWire[];
  /** Locations for which RTC can be enabled. */
  rtcLocations: string[];
}

/** One `<Rule>` of a GetBucketReplicationProgress answer. */
export interface ReplicationRuleProgressWire {
  rule: ReplicationRuleWire;
  /** Fraction 0..1 of historical data replicated (`Progress/HistoricalObject`), null when not reported. */
  historicalObjectProgress: number | null;
  /** Watermark `Progress/NewObject`: everything written before it has been replicated; null when not reported. */
  newObjectsReplicatedUntil: Date | null;
}

export interface GetBucketReplicationProgressOutput extends OssResultMeta {
  /** One entry per `<Rule>`, in document order: the named rule, or every rule when no `rule-id` was sent. */
  rules: ReplicationRuleProgressWire[];
}

export interface GetBucketLocationOutput extends OssResultMeta {
  /** `oss-cn-hangzhou` form, as OSS reports it. */
  location: string;
}
