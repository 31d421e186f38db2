import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeObject, writeObject } from '../operations/object-operations.js';
import { DEFAULT_REGIONS, RegionCatalog } from '../regions.js';
import { EmulatorStore } from '../store/emulator-store.js';
import { formatFraction, formatWatermark, ReplicationEngine } from './replication-engine.js';
import type { RuleInput } from './replication-xml.js';

function setup(startingMs = 0, dataDir?: string) {
  let now = Date.parse('2025-04-17T15:39:12.345Z');
  const clock = () => new Date(now);
  const store = new EmulatorStore(dataDir);
  const engine = new ReplicationEngine(store, new RegionCatalog(DEFAULT_REGIONS), clock, {
    tickMs: 0,
    startingMs,
    closingMs: 1000,
    rtcEnablingMs: 500,
  });
  const src = store.getBucket('src') ?? store.createBucket('src', 'cn-hangzhou', clock());
  const dst = store.getBucket('dst') ?? store.createBucket('dst', 'cn-beijing', clock());
  const put = (key: string, body: string) =>
    writeObject(store, engine, src, key, Buffer.from(body), 'text/plain', {}, clock());
  const del = (key: string) => removeObject(store, engine, src, key);
  const advance = (ms: number) => {
    now += ms;
  };
  return { store, engine, src, dst, put, del, advance, clock };
}

function rule(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    prefixes: [],
    action: 'ALL',
    destination: { bucket: 'dst', location: 'oss-cn-beijing' },
    historicalObjectReplication: true,
    ...overrides,
  };
}

function snapshot(store: EmulatorStore, bucket: string, prefixes: string[]): Record<string, string> {
  const b = store.getBucket(bucket)!;
  const out: Record<string, string> = {};
  for (const [key, obj] of b.objects) {
    if (prefixes.length === 0 || prefixes.some((p) => key.startsWith(p))) {
      out[key] = obj.body.toString();
    }
  }
  return out;
}

describe(ReplicationEngine.name, () => {
  it('stays starting until startingMs has passed, then copies historical objects and reports progress', () => {
    const { engine, src, store, put, advance } = setup(1000);
    for (let i = 0; i < 4; i++) {
      put(`logs/${i}`, `v${i}`);
    }
    put('other/x', 'x');
    const r = engine.addRule(src, rule({ prefixes: ['logs/'] }));
    expect(engine.tick()).toBe(0);
    expect(r.status).toBe('starting');
    expect(engine.progress(r)).toBeUndefined();
    advance(1000);
    expect(engine.tick(1)).toBe(1);
    expect(r.status).toBe('doing');
    expect(engine.progress(r)).toEqual({ historicalObject: '0.25', newObject: '2025-04-17T15:39:13.000Z' });
    engine.flush();
    expect(engine.progress(r)?.historicalObject).toBe('1.00');
    expect(Object.keys(snapshot(store, 'dst', []))).toEqual(['logs/0', 'logs/1', 'logs/2', 'logs/3']);
  });

  it('holds the new-object watermark at the oldest write not yet copied', () => {
    const { engine, src, put, advance } = setup();
    const r = engine.addRule(src, rule({ historicalObjectReplication: false }));
    engine.tick();
    advance(5000);
    put('a', '1');
    advance(7000);
    expect(engine.progress(r)).toEqual({ newObject: '2025-04-17T15:39:17.000Z' });
    engine.flush();
    expect(engine.progress(r)).toEqual({ newObject: '2025-04-17T15:39:24.000Z' });
  });

  it('turns RTC enabled only after historical replication and rtcEnablingMs', () => {
    const { engine, src, put, advance } = setup();
    put('a', '1');
    const r = engine.addRule(src, rule({ rtc: 'enabled' }));
    engine.tick(0);
    expect(r.rtc).toBe('enabling');
    engine.flush();
    expect(r.rtc).toBe('enabling');
    advance(500);
    engine.tick();
    expect(r.rtc).toBe('enabled');
  });

  it('closes a deleted rule, stops replicating, and removes it after closingMs', () => {
    const { engine, src, store, put, advance } = setup();
    const r = engine.addRule(src, rule());
    engine.tick();
    expect(engine.deleteRule(src, r.id)).toBe('closing');
    expect(engine.deleteRule(src, r.id)).toBe('alreadyClosing');
    put('late', 'x');
    engine.flush();
    expect(store.getBucket('dst')!.objects.size).toBe(0);
    advance(1000);
    engine.tick();
    expect(src.rules).toEqual([]);
    expect(engine.deleteRule(src, r.id)).toBe('noConfiguration');
  });

  it('formats fractions and watermarks as OSS does', () => {
    expect(formatFraction(85, 100)).toBe('0.85');
    expect(formatFraction(2, 3)).toBe('0.66');
    expect(formatFraction(0, 0)).toBe('1.00');
    expect(formatWatermark(Date.parse('2015-09-24T15:28:14.999Z'))).toBe('2015-09-24T15:28:14.000Z');
  });

  it('persists buckets, rules and objects to the data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-store-'));
    try {
      const first = setup(0, dir);
      first.put('k', 'persisted');
      first.engine.addRule(first.src, rule({ prefixes: ['k'] }));
      first.store.flush();
      const second = setup(0, dir);
      expect(second.src.objects.get('k')!.body.toString()).toBe('persisted');
      expect(second.src.rules).toHaveLength(1);
      second.engine.flush();
      expect(second.store.getBucket('dst')!.objects.get('k')!.body.toString()).toBe('persisted');
      second.store.flush();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the destination converge to the source for matching prefixes after any writes and deletes (Action ALL)', () => {
    const keyArb = fc.constantFrom('logs/a', 'logs/b', 'logs/c/d', 'img/x', 'img/y', 'tmp');
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('put' as const), key: keyArb, body: fc.string({ maxLength: 8 }) }),
      fc.record({ op: fc.constant('delete' as const), key: keyArb }),
      fc.record({ op: fc.constant('tick' as const), n: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 40 }),
        fc.array(opArb, { maxLength: 10 }),
        fc.subarray(['logs/', 'img/'], { minLength: 0 }),
        (before, after, prefixes) => {
          const { engine, src, store, put, del } = setup();
          const apply = (ops: typeof before) => {
            for (const o of ops) {
              if (o.op === 'put') {
                put(o.key, o.body);
              } else if (o.op === 'delete') {
                del(o.key);
              } else {
                engine.tick(o.n);
              }
            }
          };
          apply(before);
          engine.addRule(src, rule({ prefixes }));
          apply(after);
          engine.flush();
          expect(snapshot(store, 'dst', prefixes)).toEqual(snapshot(store, 'src', prefixes));
          const outside = Object.keys(snapshot(store, 'dst', [])).filter(
            (k) => prefixes.length > 0 && !prefixes.some((p) => k.startsWith(p)),
          );
          expect(outside).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps every source object at the destination under Action PUT, whatever is deleted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 4 })), {
          maxLength: 30,
        }),
        (ops) => {
          const { engine, src, store, put, del } = setup();
          engine.addRule(src, rule({ action: 'PUT' }));
          for (const [isPut, key, body] of ops) {
            if (isPut) {
              put(key, body);
            } else {
              del(key);
            }
          }
          engine.flush();
          const source = snapshot(store, 'src', []);
          const dest = snapshot(store, 'dst', []);
          for (const [key, body] of Object.entries(source)) {
            expect(dest[key]).toBe(body);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
