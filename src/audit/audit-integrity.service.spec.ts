import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditIntegrityService, type AuditIntegrityStore } from './audit-integrity.service.js';
import type { AuditPruneResult } from './store/kysely-audit-store.js';

const NOW = new Date('2025-06-10T00:00:00.000Z');
const DAY = 86_400_000;

function fakeStore() {
  const prunes: Date[] = [];
  const store: AuditIntegrityStore = {
    instanceId: 'gw-a',
    writtenHead: () => Promise.resolve(undefined),
    prune: (before: Date): Promise<AuditPruneResult> => {
      prunes.push(before);
      return Promise.resolve({ deleted: 0, checkpoints: [] });
    },
    query: () => Promise.resolve([]),
    chainCheckpoints: () => Promise.resolve([]),
    chainedEvents: () => Promise.resolve([]),
    unchainedEventCount: () => Promise.resolve(0),
  };
  return { store, prunes };
}

const audit = { flush: () => Promise.resolve() };

describe(AuditIntegrityService.name, () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prunes every AUDIT_PRUNE_INTERVAL_MS what is older than AUDIT_RETENTION_DAYS', async () => {
    const { store, prunes } = fakeStore();
    const service = new AuditIntegrityService(store, audit, { retentionDays: 30, pruneIntervalMs: 60_000 });
    service.onApplicationBootstrap();

    await vi.advanceTimersByTimeAsync(59_999);
    expect(prunes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(prunes).toEqual([new Date(NOW.getTime() + 60_000 - 30 * DAY)]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(prunes).toHaveLength(2);

    await service.onApplicationShutdown();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(prunes).toHaveLength(2);
  });

  it('prunes nothing, and schedules nothing, when retention is off', async () => {
    const { store, prunes } = fakeStore();
    const service = new AuditIntegrityService(store, audit, { pruneIntervalMs: 1_000 });
    service.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(service.prune()).resolves.toBeUndefined();
    expect(prunes).toEqual([]);
  });

  it('reports a failing store as AuditUnavailable', async () => {
    const { store } = fakeStore();
    store.chainedEvents = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const service = new AuditIntegrityService(store, audit, { pruneIntervalMs: 1_000 });
    await expect(service.verify()).rejects.toMatchObject({ code: 'AuditUnavailable' });
    store.query = () => Promise.reject(new Error('connect ECONNREFUSED'));
    await expect(service.export({})).rejects.toMatchObject({ code: 'AuditUnavailable' });
  });
});
