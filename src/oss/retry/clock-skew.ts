/**
 * Signing time = injected clock + an offset learned from the server after `RequestTimeTooSkewed`.
 */
export class ClockSkew {
  private offset = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  get offsetMs(): number {
    return this.offset;
  }

  /** Corrected current time, for signatures. */
  now(): Date {
    return new Date(this.clock().getTime() + this.offset);
  }

  /** Learns the offset from the server's time. Returns whether anything changed. */
  adjust(serverTime: Date): boolean {
    const offset = serverTime.getTime() - this.clock().getTime();
    if (!Number.isFinite(offset) || offset === this.offset) {
      return false;
    }
    this.offset = offset;
    return true;
  }
}
