import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultSpecError, parseFaultSpec } from './faults.js';
import type {
  ControlOutcome,
  ReplicationControl,
  ReplicationControlTarget,
} from './replication/replication-control.js';

/** A replication engine stand-in: the rules that exist and the controls they carry. */
class FakeEngine implements ReplicationControlTarget {
  readonly controls = new Map<string, ReplicationControl>();

  constructor(private readonly rules: Record<string, string[]>) {}

  setControl(bucket: string, ruleId: string, control: ReplicationControl | undefined): ControlOutcome {
    if (!(bucket in this.rules)) {
      return 'noSuchBucket';
    }
    if (!this.rules[bucket].includes(ruleId)) {
      return 'noSuchRule';
    }
    if (control) {
      this.controls.set(`${bucket}/${ruleId}`, control);
    } else {
      this.controls.delete(`${bucket}/${ruleId}`);
    }
    return 'applied';
  }
}

function specError(fn: () => unknown): FaultSpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FaultSpecError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a FaultSpecError');
}

describe(FaultInjector.name, () => {
  it('applies an error fault to its operation only and expires it after count uses', () => {
    const f = new FaultInjector(() => 0);
    f.add(parseFaultSpec({ operation: 'GetBucketReplication', status: 500, count: 1 }));
    expect(f.decide('PutBucketReplication')).toBeUndefined();
    expect(f.decide('GetBucketReplication')).toEqual({
      latencyMs: 0,
      outcome: { kind: 'error', status: 500, code: 'InternalError' },
    });
    expect(f.decide('GetBucketReplication')).toBeUndefined();
  });

  it('fails at the configured rate using the injected random source', () => {
    const rolls = [0.1, 0.9];
    const f = new FaultInjector(() => rolls.shift()!);
    f.add(parseFaultSpec({ errorRate: 0.5 }));
    expect(f.decide('X')?.outcome).toEqual({ kind: 'error', status: 503, code: 'ServiceUnavailable' });
    expect(f.decide('X')?.outcome).toBeUndefined();
  });

  it('treats a latency-only fault as a delay without failure', () => {
    const f = new FaultInjector(() => 0);
    f.add(parseFaultSpec({ latencyMs: 250 }));
    expect(f.decide('X')).toEqual({ latencyMs: 250 });
  });

  it.each([
    [null],
    [{ errorRate: 1.5 }],
    [{ status: 200 }],
    [{ reset: true, malformedBody: true }],
    [{ unknown: 1 }],
    [{ code: 'no spaces' }],
  ])('rejects the spec %j', (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
  });

  it('puts a replication fault on its rule, replaces it with a newer one and lifts it when removed', () => {
    const engine = new FakeEngine({ src: ['r1', 'r2'] });
    const f = new FaultInjector(() => 0, engine);
    const paused = f.add(parseFaultSpec({ replication: { bucket: 'src', ruleId: 'r1', mode: 'pause' } }));
    expect(paused).toEqual({
      id: '1',
      kind: 'replication',
      replication: { bucket: 'src', ruleId: 'r1', mode: 'pause' },
    });
    expect(engine.controls.get('src/r1')).toEqual({ mode: 'pause' });
    expect(f.decide('GetBucketReplicationProgress')).toBeUndefined();

    const slowed = f.add(parseFaultSpec({ replication: { bucket: 'src', ruleId: 'r1', mode: 'slow' } }));
    expect(slowed).toMatchObject({ id: '2', replaced: '1', replication: { mode: 'slow', factor: 0.1 } });
    expect(engine.controls.get('src/r1')).toEqual({ mode: 'slow', factor: 0.1 });
    expect(f.list().map((x) => x.id)).toEqual(['2']);

    expect(f.remove('2')).toBe(true);
    expect(engine.controls.size).toBe(0);
    f.add(parseFaultSpec({ replication: { bucket: 'src', ruleId: 'r1', mode: 'pause' } }));
    f.add(parseFaultSpec({ replication: { bucket: 'src', ruleId: 'r2', mode: 'slow', factor: 0.5 } }));
    // The engine drops a rule's control when the rule disappears, then tells the injector.
    engine.controls.delete('src/r2');
    f.ruleRemoved('src', 'r2');
    expect(f.list().map((x) => x.kind === 'replication' && x.replication.ruleId)).toEqual(['r1']);
    f.clear();
    expect(engine.controls.size).toBe(0);
  });

  it('refuses a replication fault on a bucket or rule that does not exist, naming the field and rule', () => {
    const f = new FaultInjector(() => 0, new FakeEngine({ src: ['r1'] }));
    const noBucket = specError(() =>
      f.add(parseFaultSpec({ replication: { bucket: 'nope', ruleId: 'r1', mode: 'pause' } })),
    );
    expect(noBucket.field).toBe('replication.bucket');
    expect(noBucket.message).toContain('nope/r1');
    const noRule = specError(() =>
      f.add(parseFaultSpec({ replication: { bucket: 'src', ruleId: 'r9', mode: 'pause' } })),
    );
    expect(noRule.field).toBe('replication.ruleId');
    expect(noRule.message).toContain('src/r9');
    expect(f.list()).toEqual([]);
  });

  it.each([
    [{ replication: 'src/r1' }, 'replication'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'pause' }, count: 1 }, 'count'],
    [{ replication: { ruleId: 'r1', mode: 'pause' } }, 'replication.bucket'],
    [{ replication: { bucket: 'src', ruleId: '', mode: 'pause' } }, 'replication.ruleId'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'stop' } }, 'replication.mode'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'pause', factor: 0.5 } }, 'replication.factor'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'slow', factor: 0 } }, 'replication.factor'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'slow', factor: 1 } }, 'replication.factor'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'slow', factor: '0.5' } }, 'replication.factor'],
    [{ replication: { bucket: 'src', ruleId: 'r1', mode: 'slow', speed: 2 } }, 'replication.speed'],
  ])('rejects the replication fault %j naming %s', (spec, field) => {
    const err = specError(() => parseFaultSpec(spec));
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });
});
