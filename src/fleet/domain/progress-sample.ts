import type { RtcStatus, RuleStatus } from '../../replication/domain/replication-rule.js';

/**
 * What the sampler saw of a rule: OSS's status, or `gone` when the rule (or its bucket) no longer
 * exists — a rule deleted between two samples (closing, then removed).
 */
export type SampleStatus = RuleStatus | 'gone';

export const SAMPLE_STATUSES = [
  'starting',
  'doing',
  'closing',
  'gone',
] as const satisfies readonly SampleStatus[];

/** The account of `OSS_*` when no accounts file names others (DESIGN §11). */
export const DEFAULT_ACCOUNT = 'default';

/** One rule of one bucket of one OSS account: the key of everything the fleet keeps per rule. */
export interface RuleRef {
  /** The account id of DESIGN §11 (`default` for the single account of `OSS_*`). */
  account: string;
  bucket: string;
  ruleId: string;
}

/**
 * One reading of a rule's status and progress (DESIGN §11 `ProgressSample`, plus `error`). A failed
 * read is a sample too: `error` says why, `status` and the figures are null (health: unknown).
 */
export interface ProgressSample {
  time: Date;
  status: SampleStatus | null;
  /** 0..1 (OSS `HistoricalObject`); null when OSS reports none. */
  historicalObjectProgress: number | null;
  /** Everything written before this instant is replicated (OSS `NewObject`); null when not reported. */
  newObjectsReplicatedUntil: Date | null;
  rtcStatus: RtcStatus | null;
  /** Set when the read failed: a short, human reason (an OSS error code and message). */
  error?: string;
}

/** A sample with the rule it belongs to, as the store keeps it. */
export interface RuleProgressSample extends ProgressSample, RuleRef {}

/** A map key for a rule (a newline separates the parts: no account id, bucket name or rule id holds one). */
export function ruleKey(rule: RuleRef): string {
  return `${rule.account}\n${rule.bucket}\n${rule.ruleId}`;
}
