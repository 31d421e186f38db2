/**
 * A small in-process cache of asynchronous answers: each entry lives `ttlMs` from its load, concurrent misses of
 * one key share one load, a failed load is not kept, and beyond `maxEntries` the oldest entry goes.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
    private readonly maxEntries = 1000,
  ) {}

  /** The cached answer for `key`, or `load()`'s (kept `ttlMs` unless it fails). */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.nowMs();
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.expiresAt > now) {
      return cached.value;
    }
    const value = load();
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
      }
    }
    const entry = { value, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      // Only this load's entry: a newer one may have replaced it meanwhile.
      if (this.entries.get(key) === entry) {
        this.entries.delete(key);
      }
    });
    return value;
  }

  /** Forgets `key`: the next `get` loads again. */
  delete(key: K): void {
    this.entries.delete(key);
  }
}
