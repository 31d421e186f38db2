import type { ReplicationProgressModel } from './domain/replication-rule.js';

/** At most this many progress lookups of one request run against OSS at a time. */
export const PROGRESS_CONCURRENCY = 8;

interface RequestBatch {
  results: Map<string, Promise<ReplicationProgressModel>>;
  running: number;
  waiting: Array<() => void>;
}

/**
 * Per-request batching of `ReplicationRule.progress`: OSS has no multi-rule progress call, so a list
 * of N rules needs N lookups. Within one GraphQL request each (bucket, rule) is fetched once, however
 * often it is selected (aliases, fragments), and at most PROGRESS_CONCURRENCY run at a time so a
 * 100-rule bucket does not burst 100 requests at OSS. State lives in a WeakMap keyed by the request,
 * so it goes away with the request.
 */
export class ProgressLoader {
  private readonly batches = new WeakMap<object, RequestBatch>();

  constructor(private readonly concurrency = PROGRESS_CONCURRENCY) {}

  load(
    request: object,
    bucket: string,
    ruleId: string,
    fetch: () => Promise<ReplicationProgressModel>,
  ): Promise<ReplicationProgressModel> {
    let batch = this.batches.get(request);
    if (!batch) {
      batch = { results: new Map(), running: 0, waiting: [] };
      this.batches.set(request, batch);
    }
    const key = `${bucket}\n${ruleId}`;
    let result = batch.results.get(key);
    if (!result) {
      result = this.limited(batch, fetch);
      batch.results.set(key, result);
    }
    return result;
  }

  private async limited<T>(batch: RequestBatch, task: () => Promise<T>): Promise<T> {
    if (batch.running >= this.concurrency) {
      await new Promise<void>((resolve) => batch.waiting.push(resolve));
    }
    batch.running += 1;
    try {
      return await task();
    } finally {
      batch.running -= 1;
      batch.waiting.shift()?.();
    }
  }
}
