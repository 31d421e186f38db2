import { randomFillSync } from 'node:crypto';

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

function putHex(out: Buffer, at: number, byte: number): void {
  out[at] = HEX_DIGITS[byte >>> 4]!;
  out[at + 1] = HEX_DIGITS[byte & 0xf]!;
}

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
  /** The id being formatted: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hyphens written once. */
  private readonly text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

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
    // Formatted straight from the random pool into a reused ASCII buffer (one flat string per id):
    // 48-bit ms, version 7 + 12-bit counter, variant 10 + 62 random bits.
    const pool = this.pool;
    const o = this.poolOffset;
    this.poolOffset += 16;
    const out = this.text;
    const high = Math.floor(ms / 0x1000000);
    const low = ms % 0x1000000;
    putHex(out, 0, (high >>> 16) & 0xff);
    putHex(out, 2, (high >>> 8) & 0xff);
    putHex(out, 4, high & 0xff);
    putHex(out, 6, (low >>> 16) & 0xff);
    putHex(out, 9, (low >>> 8) & 0xff);
    putHex(out, 11, low & 0xff);
    putHex(out, 14, 0x70 | (this.counter >> 8));
    putHex(out, 16, this.counter & 0xff);
    putHex(out, 19, 0x80 | (pool[o + 8] & 0x3f));
    putHex(out, 21, pool[o + 9]);
    for (let i = 0; i < 6; i += 1) {
      putHex(out, 24 + 2 * i, pool[o + 10 + i]);
    }
    return out.toString('latin1', 0, 36);
  }
}
