/**
 * A test control on one rule's replication (see faults.ts for the admin shape):
 * - `pause`: nothing is copied and the new-object watermark stays where it was (a stalled rule);
 * - `slow`: the rule copies at most `factor × objectsPerSecond` objects per second of emulator time
 *   (`factor` of a lone rule's normal rate) and its watermark advances at `factor` of the clock's
 *   rate, so its lag grows.
 * Removing the control resumes normal replication: the backlog drains at the normal rate and the
 * watermark catches up.
 */
export type ReplicationControl = { mode: 'pause' } | { mode: 'slow'; factor: number };

/** What applying a control to `bucket`/`ruleId` found. */
export type ControlOutcome = 'applied' | 'noSuchBucket' | 'noSuchRule';

/** The part of the replication engine that fault injection drives. */
export interface ReplicationControlTarget {
  /** Puts `control` on the rule (replacing any), or removes it when undefined. */
  setControl(bucket: string, ruleId: string, control: ReplicationControl | undefined): ControlOutcome;
}
