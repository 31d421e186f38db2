import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeObject, writeObject } from '../operations/object-operations.js';
import { DEFAULT_REGIONS, RegionCatalog } from '../regions.js';
import type { ReplicationTuning } from '../options.js';
import { EmulatorStore } from '../store/emulator-store.js';
import { formatFraction, formatWatermark, ReplicationEngine } from './replication-engine.js';
import type { RuleInput } from './replication-xml.js';

function setup(startingMs = 0, dataDir?: string, tuning: ReplicationTuning = {}) {
  let now = Date.parse('2025-04-17T15:39:12.345Z');
  const clock = () => new Date(now);
  const store = new EmulatorStore(dataDir);
  const engine = new ReplicationEngine(store, new RegionCatalog(DEFAULT_REGIONS), clock, {
    tickMs: 0,
    startingMs,
    closingMs: 1000,
    rtcEnablingMs: 500,
    ...tuning,
  });
  const src = store.getBucket('src') ?? store.createBucket('src', 'cn-hangzhou', clock());
  const dst = store.getBucket('dst') ?? store.createBucket('dst', 'cn-beijing', clock());
  const put = (key: string, body: string) =>
    writeObject(store, engine, src, key, Buffer.from(body), 'text/plain', {}, clock());
  const del = (key: string) => removeObject(store, engine, src, key);
  const advance = (ms: number) => {
    now += ms;
  };
  /** What moving the emulator clock does: time passes, then replication catches up with it. */
  const jump = (ms: number) => {
    now += ms;
    return engine.elapse(ms);
  };
  return { store, engine, src, dst, put, del, advance, jump, clock };
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

  describe('pause, slow and the emulator clock', () => {
    const pad = (i: number) => String(i).padStart(4, '0');

    it('pauses a rule: nothing copied, historical fraction and watermark frozen while time passes, other rules go on', () => {
      const { engine, src, store, put, jump, clock } = setup(0, undefined, { objectsPerSecond: 10 });
      store.createBucket('dst2', 'cn-beijing', clock());
      for (let i = 0; i < 20; i++) {
        put(`k/${pad(i)}`, `v${i}`);
      }
      const paused = engine.addRule(src, rule());
      const normal = engine.addRule(
        src,
        rule({ destination: { bucket: 'dst2', location: 'oss-cn-beijing' } }),
      );
      expect(jump(1000)).toBe(10);
      expect(engine.progress(paused)).toEqual({
        historicalObject: '0.25',
        newObject: formatWatermark(+clock()),
      });
      const pausedAt = clock().getTime();
      expect(engine.setControl('src', paused.id, { mode: 'pause' })).toBe('applied');
      expect(engine.controlOf(paused)).toEqual({ mode: 'pause' });

      put('late', 'x');
      jump(34 * 60_000);
      engine.tick(100);
      engine.flush();
      expect(engine.progress(paused)).toEqual({
        historicalObject: '0.25',
        newObject: formatWatermark(pausedAt),
      });
      expect(store.getBucket('dst')!.objects.size).toBe(5);
      expect(engine.progress(normal)).toEqual({
        historicalObject: '1.00',
        newObject: formatWatermark(+clock()),
      });
      expect(store.getBucket('dst2')!.objects.get('late')?.body.toString()).toBe('x');
    });

    it('slows a rule to factor × objectsPerSecond, with its watermark advancing at the factor so lag grows', () => {
      const { engine, src, store, put, jump, clock } = setup(0, undefined, { objectsPerSecond: 10 });
      for (let i = 0; i < 200; i++) {
        put(`k/${pad(i)}`, `v${i}`);
      }
      const r = engine.addRule(src, rule());
      engine.tick(0);
      const t0 = clock().getTime();
      engine.setControl('src', r.id, { mode: 'slow', factor: 0.25 });
      jump(4000);
      expect(store.getBucket('dst')!.objects.size).toBe(10);
      expect(engine.progress(r)).toEqual({ historicalObject: '0.05', newObject: formatWatermark(t0 + 1000) });
      jump(36_000);
      expect(engine.progress(r)).toEqual({
        historicalObject: '0.50',
        newObject: formatWatermark(t0 + 10_000),
      });
      jump(3600_000);
      // Historical replication is done, yet the watermark is 0.25 × 3640 s after t0: 2730 s behind.
      expect(engine.progress(r)).toEqual({
        historicalObject: '1.00',
        newObject: formatWatermark(t0 + 910_000),
      });
      expect(clock().getTime() - (t0 + 910_000)).toBe(2730_000);
    });

    it('slows a rule driven by tick(n) to factor × n steps, carrying fractions over', () => {
      const { engine, src, store, put } = setup();
      for (let i = 0; i < 10; i++) {
        put(`k/${pad(i)}`, `v${i}`);
      }
      const r = engine.addRule(src, rule());
      engine.tick(0);
      engine.setControl('src', r.id, { mode: 'slow', factor: 0.5 });
      expect(engine.tick(4)).toBe(2);
      expect(engine.tick(1)).toBe(0);
      expect(engine.tick(1)).toBe(1);
      expect(store.getBucket('dst')!.objects.size).toBe(3);
    });

    it('resumes a paused rule: the backlog drains at the normal rate and the watermark catches up', () => {
      const { engine, src, store, put, jump, clock } = setup(0, undefined, { objectsPerSecond: 10 });
      const r = engine.addRule(src, rule({ historicalObjectReplication: false }));
      engine.tick(0);
      const pausedAt = clock().getTime();
      engine.setControl('src', r.id, { mode: 'pause' });
      jump(60_000);
      put('a', '1');
      const aAt = clock().getTime();
      jump(60_000);
      for (let i = 0; i < 24; i++) {
        put(`b/${pad(i)}`, `b${i}`);
      }
      const bAt = clock().getTime();
      jump(60_000);
      expect(engine.progress(r)).toEqual({ newObject: formatWatermark(pausedAt) });
      expect(store.getBucket('dst')!.objects.size).toBe(0);

      expect(engine.setControl('src', r.id, undefined)).toBe('applied');
      expect(engine.controlOf(r)).toBeUndefined();
      expect(engine.progress(r)).toEqual({ newObject: formatWatermark(aAt) });
      // One second's worth of tokens was left unspent during the pause; then 10 per second.
      expect(engine.elapse(0)).toBe(10);
      expect(engine.progress(r)).toEqual({ newObject: formatWatermark(bAt) });
      expect(jump(1000)).toBe(10);
      expect(engine.progress(r)).toEqual({ newObject: formatWatermark(bAt) });
      expect(jump(1000)).toBe(5);
      expect(engine.progress(r)).toEqual({ newObject: formatWatermark(+clock()) });
      expect(store.getBucket('dst')!.objects.size).toBe(25);
    });

    it('on a clock jump: turns starting rules doing, replicates the whole jump, retires closing rules, and carries no burst', () => {
      const { engine, src, put, jump } = setup(1000, undefined, { objectsPerSecond: 10 });
      for (let i = 0; i < 30; i++) {
        put(`k/${pad(i)}`, `v${i}`);
      }
      const r = engine.addRule(src, rule());
      expect(jump(1000)).toBe(10);
      expect(r.status).toBe('doing');
      expect(engine.progress(r)?.historicalObject).toBe('0.33');
      expect(jump(3600_000)).toBe(20);
      // An hour with nothing pending leaves at most one second's worth (10 objects) for new writes.
      for (let i = 0; i < 40; i++) {
        put(`new/${pad(i)}`, `n${i}`);
      }
      expect(engine.elapse(0)).toBe(10);

      const removed: string[] = [];
      engine.onRuleRemoved((bucket, id) => removed.push(`${bucket}/${id}`));
      engine.setControl('src', r.id, { mode: 'pause' });
      engine.deleteRule(src, r.id);
      jump(999);
      expect(src.rules.map((x) => x.status)).toEqual(['closing']);
      jump(1);
      expect(src.rules).toEqual([]);
      expect(removed).toEqual([`src/${r.id}`]);
      expect(engine.setControl('src', r.id, undefined)).toBe('noSuchRule');
    });

    it('lets flush ignore slow factors but not pauses, and names what it cannot control', () => {
      const { engine, src, store, put, clock } = setup();
      store.createBucket('dst2', 'cn-beijing', clock());
      put('a', '1');
      const paused = engine.addRule(src, rule());
      const slowed = engine.addRule(
        src,
        rule({ destination: { bucket: 'dst2', location: 'oss-cn-beijing' } }),
      );
      engine.tick(0);
      engine.setControl('src', paused.id, { mode: 'pause' });
      engine.setControl('src', slowed.id, { mode: 'slow', factor: 0.01 });
      expect(engine.flush()).toBe(1);
      expect(store.getBucket('dst2')!.objects.has('a')).toBe(true);
      expect(store.getBucket('dst')!.objects.size).toBe(0);
      expect(engine.setControl('nope', paused.id, { mode: 'pause' })).toBe('noSuchBucket');
      expect(engine.setControl('src', 'nope', { mode: 'pause' })).toBe('noSuchRule');
    });
  });
});
