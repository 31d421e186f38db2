import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

function setup(maxEntries?: number) {
  let now = 0;
  let loads = 0;
  const cache = new TtlCache<string, number>(1000, () => now, maxEntries);
  const load = (value: number) => () => {
    loads += 1;
    return Promise.resolve(value);
  };
  return { cache, load, loads: () => loads, advance: (ms: number) => (now += ms) };
}

describe(TtlCache.name, () => {
  it('answers from the cache until the entry is ttlMs old, then loads again', async () => {
    const { cache, load, loads, advance } = setup();
    expect(await cache.get('a', load(1))).toBe(1);
    advance(999);
    expect(await cache.get('a', load(2))).toBe(1);
    advance(1);
    expect(await cache.get('a', load(3))).toBe(3);
    expect(loads()).toBe(2);
  });

  it('shares one load between concurrent misses of a key', async () => {
    const { cache, load, loads } = setup();
    const [x, y] = await Promise.all([cache.get('a', load(1)), cache.get('a', load(2))]);
    expect([x, y, loads()]).toEqual([1, 1, 1]);
  });

  it('keeps no failed load, and forgets a key on delete', async () => {
    const { cache, load, loads } = setup();
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', load(1))).toBe(1);
    cache.delete('a');
    expect(await cache.get('a', load(2))).toBe(2);
    expect(loads()).toBe(2);
  });

  it('drops the oldest entry beyond maxEntries', async () => {
    const { cache, load, loads } = setup(2);
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    await cache.get('c', load(3));
    expect(await cache.get('b', load(20))).toBe(2);
    expect(await cache.get('a', load(10))).toBe(10);
    expect(loads()).toBe(4);
  });
});
