import type { TransferType } from '../regions.js';

export type RuleStatus = 'starting' | 'doing' | 'closing';
export type RtcStatus = 'enabling' | 'enabled' | 'disabled';

/** One pending replication step. `at` is the source write time (ms since epoch). */
export interface ReplicationTask {
  op: 'put' | 'delete';
  key: string;
  at: number;
}

/** A replication rule as the emulator keeps it (wire-independent). */
export interface ReplicationRuleState {
  id: string;
  prefixes: string[];
  action: 'ALL' | 'PUT';
  destination: { bucket: string; location: string; transferType: TransferType };
  historicalObjectReplication: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: 'Enabled' | 'Disabled';
  replicaKmsKeyId?: string;
  /** Undefined when the rule never mentioned RTC. */
  rtc?: RtcStatus;
  rtcRequestedAt?: number;
  status: RuleStatus;
  createdAt: number;
  statusChangedAt: number;
  historicalTotal: number;
  historicalDone: number;
  historicalQueue: ReplicationTask[];
  newQueue: ReplicationTask[];
}

export function ruleMatches(rule: Pick<ReplicationRuleState, 'prefixes'>, key: string): boolean {
  return rule.prefixes.length === 0 || rule.prefixes.some((p) => key.startsWith(p));
}
