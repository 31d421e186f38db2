import {
  type ProgressSample,
  type RuleProgressSample,
  type RuleRef,
  ruleKey,
} from '../domain/progress-sample.js';
import type { HistoryQuery, ProgressSampleStore } from '../store/progress-sample-store.js';

/**
 * The progress-sample store, counting its writes: what this instance appends or prunes changes
 * `version`, so readers that cache (the fleet, the metrics) see new samples at once. Another
 * instance's writes (the sampler leader's) are seen when the cache expires.
 */
export class VersionedProgressSampleStore implements ProgressSampleStore {
  private writes = 0;

  constructor(private readonly inner: ProgressSampleStore) {}

  get version(): number {
    return this.writes;
  }

  get description(): string {
    return this.inner.description;
  }

  migrate(): Promise<void> {
    return this.inner.migrate();
  }

  async append(samples: readonly RuleProgressSample[]): Promise<void> {
    try {
      await this.inner.append(samples);
    } finally {
      this.writes += 1;
    }
  }

  history(rule: RuleRef, query: HistoryQuery): Promise<ProgressSample[]> {
    return this.inner.history(rule, query);
  }

  latest(rules: readonly RuleRef[], count: number): Promise<Map<string, ProgressSample[]>> {
    return this.inner.latest(rules, count);
  }

  async prune(olderThan: Date): Promise<void> {
    try {
      await this.inner.prune(olderThan);
    } finally {
      this.writes += 1;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface FleetSamplesOptions {
  /** Samples per rule health needs (enough to cover the stall threshold and the rate window). */
  samplesPerRule: number;
  /** How long a read stays good when this instance wrote nothing (another instance samples). */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * The newest samples of every rule of the inventory, read in one query and kept until the store
 * changes (or `maxAgeMs` passes): the fleet and the metrics judge health from it at request time.
 * Concurrent readers share one read.
 */
export class FleetSamples {
  private cached:
    | {
        rules: readonly RuleRef[];
        version: number;
        at: number;
        samples: Promise<Map<string, ProgressSample[]>>;
      }
    | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: VersionedProgressSampleStore,
    private readonly options: FleetSamplesOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get samplesPerRule(): number {
    return this.options.samplesPerRule;
  }

  /** `rules` is the inventory's array: a new array (a refreshed inventory) is a new read. */
  latest(rules: readonly RuleRef[]): Promise<Map<string, ProgressSample[]>> {
    const now = this.now();
    const cached = this.cached;
    if (
      cached &&
      cached.rules === rules &&
      cached.version === this.store.version &&
      now - cached.at < this.options.maxAgeMs
    ) {
      return cached.samples;
    }
    const samples = this.store.latest(rules, this.options.samplesPerRule);
    const entry = { rules, version: this.store.version, at: now, samples };
    this.cached = entry;
    samples.catch(() => {
      if (this.cached === entry) {
        this.cached = undefined;
      }
    });
    return samples;
  }

  /** One rule's newest samples (not cached: a single rule is one small query). */
  async ofRule(rule: RuleRef): Promise<ProgressSample[]> {
    const found = await this.store.latest([rule], this.options.samplesPerRule);
    return found.get(ruleKey(rule)) ?? [];
  }
}

/** Samples health needs per rule: the longest window it looks at, in sampler intervals, plus two. */
export function samplesPerRule(windowSeconds: number, sampleIntervalSeconds: number, cap = 500): number {
  return Math.min(cap, Math.ceil(windowSeconds / Math.max(1, sampleIntervalSeconds)) + 2);
}
