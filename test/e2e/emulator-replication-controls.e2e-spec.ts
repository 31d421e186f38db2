/**
 * End to end: the emulator's replication controls over a real socket — a rule paused or slowed
 * through `/__emulator/faults`, the emulator clock moved through `/__emulator/clock` — observed the
 * way the gateway observes OSS: signed GetBucketReplicationProgress calls through the OssClient.
 *
 * Replication runs only when the emulator clock moves (`tickMs: 0`): 10 objects per emulator
 * second. The base clock (what clients sign with) stands still unless a test says otherwise, so
 * every number below is exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator-server.js';
import type { ReplicationRuleProgressWire } from '../../src/oss/models/replication.js';
import { OssClient } from '../../src/oss/oss-client.js';
import { EmulatorControls, ManualClock, serviceError } from '../utils/emulator-client.js';

const T0 = Date.UTC(2025, 3, 17, 15, 0, 0);
const MINUTE = 60_000;
const SRC = 'controls-src';
const DST = 'controls-dst';

/** Second precision, rounded down: how OSS prints the watermark. */
function second(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

describe('emulator replication controls and clock over HTTP', () => {
  let emu: Emulator;
  let controls: EmulatorControls;
  let oss: OssClient;

  /** `base`: the clock clients sign with and the emulator's clock starts from; `real` for real time. */
  async function boot(opts: EmulatorOptions = {}, base: ManualClock | 'real' = new ManualClock(T0)) {
    emu = await startEmulator({
      faults: true,
      replication: { tickMs: 0, objectsPerSecond: 10, startingMs: 1000, closingMs: 2000 },
      ...(base === 'real' ? {} : { clock: base.now }),
      ...opts,
    });
    controls = new EmulatorControls(emu.url);
    oss = new OssClient({
      region: 'cn-hangzhou',
      endpoint: emu.url,
      credentials: emu.accessKeys[0],
      timeouts: { connectMs: 1000, requestMs: 5000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 5000 },
      ...(base === 'real' ? {} : { clock: base.now }),
    });
    emu.admin.createBucket(SRC, 'cn-hangzhou');
    emu.admin.createBucket(DST, 'cn-beijing');
  }

  /** `count` historical objects, then a rule over them (historical replication on), turned `doing`. */
  async function ruleOver(count: number, id: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      emu.admin.putObject(SRC, `logs/${String(i).padStart(4, '0')}.log`, `line ${i}`);
    }
    await oss.putBucketReplication(SRC, {
      id,
      destination: { bucket: DST, location: 'cn-beijing' },
      historicalObjectReplication: true,
    });
  }

  async function progress(id: string): Promise<ReplicationRuleProgressWire> {
    return (await oss.getBucketReplicationProgress(SRC, id)).rules[0];
  }

  const copied = () => emu.admin.listObjects(DST).length;

  afterEach(async () => {
    await oss.close();
    await emu.close();
  });

  it('freezes a paused rule’s historical progress and watermark while the clock runs 34 minutes, and resumes it when the fault is removed', async () => {
    await boot();
    await ruleOver(40, 'paused');
    expect(await controls.advanceClock(1000)).toMatchObject({ advancedMs: 1000, replicated: 10 });
    const pausedAt = (await controls.now()).getTime();
    expect(await progress('paused')).toMatchObject({
      historicalObjectProgress: 0.25,
      newObjectsReplicatedUntil: second(pausedAt),
    });

    const id = await controls.pauseReplication(SRC, 'paused');
    expect(await controls.faults()).toEqual([
      { id, kind: 'replication', replication: { bucket: SRC, ruleId: 'paused', mode: 'pause' } },
    ]);
    await oss.request({ method: 'PUT', bucket: SRC, key: 'logs/while-paused.log', body: 'late' });
    expect(await controls.advanceClock(34 * MINUTE)).toMatchObject({ replicated: 0 });
    const stalled = await progress('paused');
    expect(stalled).toMatchObject({
      rule: { status: 'doing' },
      historicalObjectProgress: 0.25,
      newObjectsReplicatedUntil: second(pausedAt),
    });
    expect((await controls.now()).getTime() - stalled.newObjectsReplicatedUntil!.getTime()).toBe(34 * MINUTE);
    expect(copied()).toBe(10);

    await controls.removeFault(id);
    await controls.advanceClock(10_000);
    const recovered = await progress('paused');
    expect(recovered.historicalObjectProgress).toBe(1);
    expect(recovered.newObjectsReplicatedUntil).toEqual(second((await controls.now()).getTime()));
    expect(emu.admin.getObject(DST, 'logs/while-paused.log')?.toString()).toBe('late');
    expect(await controls.faults()).toEqual([]);
  });

  it('lets a slowed rule copy at its factor while its watermark falls behind, and catch up when the fault is removed', async () => {
    await boot();
    await ruleOver(200, 'slowed');
    const t0 = (await controls.now()).getTime();
    await controls.slowReplication(SRC, 'slowed', 0.25);

    // 0.25 × 10 objects per second for 4 s; the watermark advances 0.25 s per second.
    expect(await controls.advanceClock(4000)).toMatchObject({ replicated: 10 });
    expect(await progress('slowed')).toMatchObject({
      historicalObjectProgress: 0.05,
      newObjectsReplicatedUntil: new Date(t0 + 1000),
    });
    await controls.advanceClock(36_000);
    expect(await progress('slowed')).toMatchObject({
      historicalObjectProgress: 0.5,
      newObjectsReplicatedUntil: new Date(t0 + 10_000),
    });
    expect(copied()).toBe(100);

    await controls.advanceClock(20 * MINUTE);
    const lagging = await progress('slowed');
    expect(lagging.historicalObjectProgress).toBe(1);
    // 1240 s passed, the watermark moved 310 s: 930 s behind, more than the 900 s lag threshold.
    expect(lagging.newObjectsReplicatedUntil).toEqual(new Date(t0 + 310_000));
    expect((await controls.now()).getTime() - t0).toBe(1_240_000);

    const [fault] = await controls.faults();
    await controls.removeFault(fault.id as string);
    expect((await progress('slowed')).newObjectsReplicatedUntil).toEqual(new Date(t0 + 1_240_000));
  });

  it('moves the watermark and every timestamp the emulator reports with its clock, never backwards', async () => {
    await boot();
    await oss.putBucketReplication(SRC, {
      id: 'timed',
      destination: { bucket: DST, location: 'cn-beijing' },
    });
    const start = await controls.advanceClock(1000);
    expect(start).toMatchObject({ now: new Date(T0 + 1000).toISOString(), offsetMs: 1000 });
    expect((await progress('timed')).newObjectsReplicatedUntil).toEqual(new Date(T0 + 1000));

    const moved = await controls.advanceClock(34 * MINUTE);
    expect(moved).toMatchObject({ advancedMs: 34 * MINUTE, offsetMs: 34 * MINUTE + 1000 });
    const now = T0 + 34 * MINUTE + 1000;
    expect((await progress('timed')).newObjectsReplicatedUntil).toEqual(new Date(now));
    const put = await oss.request({ method: 'PUT', bucket: SRC, key: 'a.txt', body: 'a' });
    expect(Date.parse(put.headers['date'])).toBe(now);
    const head = await oss.request({ method: 'HEAD', bucket: SRC, key: 'a.txt' });
    expect(Date.parse(head.headers['last-modified'])).toBe(now);

    const set = await controls.setClock('2025-04-17T17:00:00Z');
    expect(set).toMatchObject({
      now: '2025-04-17T17:00:00.000Z',
      advancedMs: Date.UTC(2025, 3, 17, 17) - now,
    });
    expect((await progress('timed')).newObjectsReplicatedUntil).toEqual(new Date('2025-04-17T17:00:00Z'));
    expect(emu.admin.getObject(DST, 'a.txt')?.toString()).toBe('a');

    const back = await controls.send('POST', '/__emulator/clock', { set: '2025-04-17T16:59:59Z' });
    expect(back.status).toBe(400);
    expect(back.body).toMatchObject({ field: 'set' });
    expect(back.body.error).toContain('2025-04-17T17:00:00.000Z');
    const negative = await controls.send('POST', '/__emulator/clock', { advanceMs: -1000 });
    expect(negative).toMatchObject({ status: 400, body: { field: 'advanceMs' } });
    expect(await controls.send('POST', '/__emulator/clock', 'not json')).toMatchObject({
      status: 400,
      body: { field: 'body' },
    });
    expect(await controls.now()).toEqual(new Date('2025-04-17T17:00:00Z'));
  });

  it('keeps accepting clients that sign with their own time after the emulator clock jumped', async () => {
    await boot({}, 'real');
    const before = Date.now();
    await controls.advanceClock(34 * MINUTE);
    // Signed with real time, 34 minutes behind the emulator: still inside the signature window.
    const put = await oss.request({ method: 'PUT', bucket: SRC, key: 'b.txt', body: 'b' });
    expect(put.status).toBe(200);
    expect(Date.parse(put.headers['date'])).toBeGreaterThanOrEqual(second(before + 34 * MINUTE).getTime());
    const emulatorNow = await controls.now();
    expect(emulatorNow.getTime()).toBeGreaterThanOrEqual(before + 34 * MINUTE);
  });

  it('shows each health state in GetBucketReplicationProgress: starting, catching up, healthy, lagging, stalled, recovered, closing, gone', async () => {
    await boot();
    await ruleOver(100, 'walk');
    const seen = async () => {
      const p = await progress('walk');
      return {
        status: p.rule.status,
        historical: p.historicalObjectProgress,
        lagMs: p.newObjectsReplicatedUntil
          ? (await controls.now()).getTime() - p.newObjectsReplicatedUntil.getTime()
          : null,
      };
    };
    expect(await seen()).toEqual({ status: 'starting', historical: null, lagMs: null });

    await controls.advanceClock(1000);
    expect(await seen()).toEqual({ status: 'doing', historical: 0.1, lagMs: 0 }); // catching up
    await controls.advanceClock(2000);
    expect(await seen()).toEqual({ status: 'doing', historical: 0.3, lagMs: 0 }); // rising

    await controls.advanceClock(10_000);
    expect(await seen()).toEqual({ status: 'doing', historical: 1, lagMs: 0 }); // healthy

    const slow = await controls.slowReplication(SRC, 'walk', 0.1);
    await controls.advanceClock(20 * MINUTE);
    expect(await seen()).toEqual({ status: 'doing', historical: 1, lagMs: 18 * MINUTE }); // lagging

    const pause = await controls.pauseReplication(SRC, 'walk');
    expect((await controls.faults()).map((f) => f.id)).toEqual([pause]);
    expect(pause).not.toBe(slow);
    const stalledAt = await progress('walk');
    await controls.advanceClock(34 * MINUTE);
    const stalled = await progress('walk');
    expect(stalled.newObjectsReplicatedUntil).toEqual(stalledAt.newObjectsReplicatedUntil); // stalled
    expect(stalled.historicalObjectProgress).toBe(1);

    await controls.removeFault(pause);
    emu.admin.putObject(SRC, 'logs/after.log', 'after');
    await controls.advanceClock(1000);
    expect(await seen()).toEqual({ status: 'doing', historical: 1, lagMs: 0 }); // recovered

    await oss.deleteBucketReplication(SRC, 'walk');
    const closing = await progress('walk');
    expect(closing.rule.status).toBe('closing');
    expect(closing.newObjectsReplicatedUntil).toBeNull();
    await controls.advanceClock(2000);
    expect((await serviceError(oss.getBucketReplicationProgress(SRC, 'walk'))).code).toBe(
      'NoSuchReplicationConfiguration',
    );
  });

  it('answers 400 naming the field and the rule for bad replication faults, and 201 replacing an earlier one', async () => {
    await boot();
    await ruleOver(1, 'r1');
    const bad = async (replication: unknown, extra: object = {}) =>
      controls.send<{ error: string; field: string }>('POST', '/__emulator/faults', {
        replication,
        ...extra,
      });

    const noRule = await bad({ bucket: SRC, ruleId: 'r9', mode: 'pause' });
    expect(noRule).toMatchObject({ status: 400, body: { field: 'replication.ruleId' } });
    expect(noRule.body.error).toContain(`${SRC}/r9`);
    expect(await bad({ bucket: 'no-such-bucket', ruleId: 'r1', mode: 'pause' })).toMatchObject({
      status: 400,
      body: { field: 'replication.bucket' },
    });
    const factor = await bad({ bucket: SRC, ruleId: 'r1', mode: 'slow', factor: 2 });
    expect(factor).toMatchObject({ status: 400, body: { field: 'replication.factor' } });
    expect(factor.body.error).toContain(`${SRC}/r1`);
    expect(await bad({ bucket: SRC, ruleId: 'r1', mode: 'stop' })).toMatchObject({
      status: 400,
      body: { field: 'replication.mode' },
    });
    expect(await bad({ bucket: SRC, ruleId: 'r1', mode: 'pause' }, { operation: '*' })).toMatchObject({
      status: 400,
      body: { field: 'operation' },
    });
    expect(await controls.faults()).toEqual([]);

    const first = await controls.pauseReplication(SRC, 'r1');
    const second = await controls.send('POST', '/__emulator/faults', {
      replication: { bucket: SRC, ruleId: 'r1', mode: 'slow' },
    });
    expect(second).toMatchObject({
      status: 201,
      body: { kind: 'replication', replaced: first, replication: { mode: 'slow', factor: 0.1 } },
    });
    expect((await controls.send('DELETE', `/__emulator/faults/${first}`)).status).toBe(404);
  });

  it('offers the same controls in process on emulator.admin', async () => {
    await boot();
    await ruleOver(20, 'inproc');
    emu.admin.advanceClock(1000);
    emu.admin.pauseReplication(SRC, 'inproc');
    expect(emu.admin.getRules(SRC)[0].control).toEqual({ mode: 'pause' });
    expect(emu.admin.advanceClock(MINUTE).replicated).toBe(0);
    expect(emu.admin.resumeReplication(SRC, 'inproc')).toBe(true);
    expect(emu.admin.resumeReplication(SRC, 'inproc')).toBe(false);
    emu.admin.slowReplication(SRC, 'inproc', 0.5);
    expect(emu.admin.advanceClock(1000).replicated).toBe(5);
    expect(emu.admin.getRules(SRC)[0]).toMatchObject({
      historicalDone: 15,
      control: { mode: 'slow', factor: 0.5 },
    });
    expect(emu.admin.setClock('2026-01-01T00:00:00Z').now).toBe('2026-01-01T00:00:00.000Z');
    expect(emu.admin.now()).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(() => emu.admin.advanceClock(-1)).toThrow(/advanceMs/);
    expect(() => emu.admin.slowReplication(SRC, 'inproc', 3)).toThrow(
      /replication\.factor.*controls-src\/inproc/,
    );
  });
});
