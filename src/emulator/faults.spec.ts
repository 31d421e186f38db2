import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultSpecError, parseFaultSpec } from './faults.js';

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
});
