import { describe, expect, it } from 'vitest';
import type { ReplicationProgressModel } from './domain/replication-rule.js';
import { ProgressLoader } from './progress-loader.js';

function progress(ruleId: string): ReplicationProgressModel {
  return {
    ruleId,
    status: 'doing',
    destination: { bucket: 'd', location: 'oss-cn-beijing', transferType: 'internal' },
    historicalObjectReplication: true,
    historicalObjectProgress: 1,
    newObjectsReplicatedUntil: null,
  };
}

describe(ProgressLoader.name, () => {
  it('fetches each rule once per request, and again for another request', async () => {
    const loader = new ProgressLoader();
    let fetches = 0;
    const fetch = (id: string) => () => {
      fetches += 1;
      return Promise.resolve(progress(id));
    };
    const request = {};
    await Promise.all([
      loader.load(request, 'b', 'r1', fetch('r1')),
      loader.load(request, 'b', 'r1', fetch('r1')),
    ]);
    await loader.load(request, 'b', 'r2', fetch('r2'));
    await loader.load({}, 'b', 'r1', fetch('r1'));
    expect(fetches).toBe(3);
  });

  it('runs at most `concurrency` lookups of one request at a time', async () => {
    const loader = new ProgressLoader(2);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const fetch = (id: string) => () =>
      new Promise<ReplicationProgressModel>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        releases.push(() => {
          running -= 1;
          resolve(progress(id));
        });
      });
    const request = {};
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => loader.load(request, 'b', id, fetch(id))));
    while (releases.length > 0 || running > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    expect((await all).map((p) => p.ruleId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
  });
});
