import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered ids in the UUID version 7 layout (48-bit Unix milliseconds, then random bits).
 * Within one millisecond a 12-bit counter keeps ids from one process increasing, so ids sort in
 * the order events were recorded.
 */
export class AuditEventIdGenerator {
  private lastMs = -1;
  private counter = 0;
  /** Random bytes fetched 4 KiB at a time: one syscall per 256 ids. */
  private readonly pool = Buffer.alloc(4096);
  private poolOffset = 4096;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    let ms = this.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter += 1;
      if (this.counter > 0xfff) {
        // Counter exhausted in this millisecond: borrow the next one (ids stay unique and ordered).
        ms += 1;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    if (this.poolOffset + 16 > this.pool.length) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    const bytes = Buffer.from(this.pool.subarray(this.poolOffset, this.poolOffset + 16));
    this.poolOffset += 16;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (this.counter >> 8);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
