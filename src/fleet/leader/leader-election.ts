/**
 * Which instance runs the progress sampler (DESIGN §7): exactly one at a time, and another takes over
 * within one interval when it dies. The sampler calls `acquire` once per interval; `acquire` never
 * throws (a database it cannot reach means "not the leader").
 */
export interface LeaderElection {
  /** Becomes the leader if no one is, or confirms this instance still is; false when another leads. */
  acquire(): Promise<boolean>;
  /** The answer of the last `acquire`, or false once leadership was lost or released since. */
  isLeader(): boolean;
  /** Gives leadership up (and its connection); `acquire` may be called again afterwards. */
  release(): Promise<void>;
}

export const LEADER_ELECTION = Symbol('LEADER_ELECTION');

/** SQLite and in-memory deployments run one instance: it always leads. */
export class SingleInstanceLeaderElection implements LeaderElection {
  private leading = false;

  acquire(): Promise<boolean> {
    this.leading = true;
    return Promise.resolve(true);
  }

  isLeader(): boolean {
    return this.leading;
  }

  release(): Promise<void> {
    this.leading = false;
    return Promise.resolve();
  }
}
