import type { ReplicationControl, ReplicationControlTarget } from './replication/replication-control.js';

/**
 * Fault injection for tests (enabled with `faults: true` / `EMULATOR_FAULTS=on`).
 *
 * Admin endpoint (no signature needed, JSON):
 * - `POST /__emulator/faults` body
 *   `{ operation?: 'GetBucketReplication' | … | '*', latencyMs?, errorRate?, status?, code?, message?, reset?, malformedBody?, count? }`
 *   adds a request fault and answers `201 {id, kind: 'request', …}`. `latencyMs` delays matching requests (a fault with only
 *   `latencyMs` does nothing else); otherwise, with probability `errorRate` (default 1), the request fails: `reset: true` destroys the connection,
 *   `malformedBody: true` answers 200 with a truncated XML body, otherwise an OSS error with
 *   `status` (default 503) and `code` (default `ServiceUnavailable`, or `InternalError` for 500,
 *   `SlowDown` is accepted too). `count` limits how many requests the fault applies to.
 * - `POST /__emulator/faults` body
 *   `{ replication: { bucket, ruleId, mode: 'pause' | 'slow', factor? } }` (nothing else beside it)
 *   puts a replication fault on one existing rule and answers `201 {id, kind: 'replication', replication, replaced?}`:
 *   `pause` stops the rule (no object copied, historical fraction and new-object watermark frozen: a
 *   stalled rule); `slow` lets it copy at most `factor × objectsPerSecond` objects per second of
 *   emulator time (`factor` in (0, 1), default 0.1) while its watermark advances at `factor` of the
 *   clock's rate (lag grows). One replication fault per rule: a new one replaces the old
 *   (`replaced` is the old id). Removing it resumes normal replication (backlog drains, the
 *   watermark catches up); a rule that disappears after `closing` takes its fault with it.
 * - `GET /__emulator/faults` lists active faults; `DELETE /__emulator/faults` removes all;
 *   `DELETE /__emulator/faults/<id>` removes one.
 * - A 400 answers `{error, field}`: `field` names the offending field (`replication.factor`, …);
 *   for a replication fault the message names the rule as `bucket/ruleId`.
 *
 * The emulator's clock is moved through `/__emulator/clock` (server/clock-admin.ts).
 */
export interface RequestFaultSpec {
  kind: 'request';
  operation: string;
  latencyMs: number;
  errorRate: number;
  status?: number;
  code?: string;
  message?: string;
  reset: boolean;
  malformedBody: boolean;
  /** Whether matching requests fail (false for a latency-only fault). */
  fail: boolean;
  /** Remaining applications; undefined = unlimited. */
  count?: number;
}

/** A replication fault on one rule (`mode` and `factor` as in ReplicationControl). */
export interface ReplicationFaultSpec {
  kind: 'replication';
  replication: { bucket: string; ruleId: string } & ReplicationControl;
}

export type FaultSpec = RequestFaultSpec | ReplicationFaultSpec;

export type Fault = FaultSpec & { id: string };

/** A fault as added: with the id of the replication fault it replaced, if any. */
export type AddedFault = Fault & { replaced?: string };

export type FaultOutcome =
  | { kind: 'error'; status: number; code: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'malformed' };

export interface FaultDecision {
  latencyMs: number;
  outcome?: FaultOutcome;
}

export class FaultSpecError extends Error {
  constructor(
    message: string,
    /** The offending field (`latencyMs`, `replication.factor`, …), or `body` for the body as a whole. */
    readonly field: string,
  ) {
    super(message);
  }
}

function defaultCode(status: number): string {
  if (status === 500) {
    return 'InternalError';
  }
  if (status === 503) {
    return 'ServiceUnavailable';
  }
  return 'InjectedFault';
}

/** Slow factor when `slow` names none. */
export const DEFAULT_SLOW_FACTOR = 0.1;

function parseReplicationFault(o: Record<string, unknown>): ReplicationFaultSpec {
  const others = Object.keys(o).filter((k) => k !== 'replication');
  if (others.length > 0) {
    throw new FaultSpecError(`replication cannot be combined with ${others.join(', ')}`, others[0]);
  }
  const r = o.replication;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw new FaultSpecError('replication must be an object {bucket, ruleId, mode, factor?}', 'replication');
  }
  const f = r as Record<string, unknown>;
  const name = (key: 'bucket' | 'ruleId'): string => {
    const v = f[key];
    if (typeof v !== 'string' || v === '' || v.length > 255) {
      throw new FaultSpecError(
        `replication.${key} must be a non-empty string of at most 255 characters`,
        `replication.${key}`,
      );
    }
    return v;
  };
  const bucket = name('bucket');
  const ruleId = name('ruleId');
  const rule = `(rule ${bucket}/${ruleId})`;
  for (const k of Object.keys(f)) {
    if (!['bucket', 'ruleId', 'mode', 'factor'].includes(k)) {
      throw new FaultSpecError(
        `replication.${k} is not a field of a replication fault ${rule}`,
        `replication.${k}`,
      );
    }
  }
  if (f.mode === 'pause') {
    if (f.factor !== undefined) {
      throw new FaultSpecError(
        `replication.factor applies only to mode "slow" ${rule}`,
        'replication.factor',
      );
    }
    return { kind: 'replication', replication: { bucket, ruleId, mode: 'pause' } };
  }
  if (f.mode !== 'slow') {
    throw new FaultSpecError(`replication.mode must be "pause" or "slow" ${rule}`, 'replication.mode');
  }
  const factor = f.factor ?? DEFAULT_SLOW_FACTOR;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0 || factor >= 1) {
    throw new FaultSpecError(
      `replication.factor must be a number greater than 0 and less than 1 ${rule} (use mode "pause" to stop it)`,
      'replication.factor',
    );
  }
  return { kind: 'replication', replication: { bucket, ruleId, mode: 'slow', factor } };
}

/** Validates a POST body into a fault spec; throws FaultSpecError naming the bad field. */
export function parseFaultSpec(raw: unknown): FaultSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FaultSpecError('body must be a JSON object', 'body');
  }
  const o = raw as Record<string, unknown>;
  if (o.replication !== undefined) {
    return parseReplicationFault(o);
  }
  const allowed = new Set([
    'operation',
    'latencyMs',
    'errorRate',
    'status',
    'code',
    'message',
    'reset',
    'malformedBody',
    'count',
  ]);
  for (const k of Object.keys(o)) {
    if (!allowed.has(k)) {
      throw new FaultSpecError(`unknown field ${k}`, k);
    }
  }
  const num = (name: string, min: number, max: number, integer: boolean): number | undefined => {
    const v = o[name];
    if (v === undefined) {
      return undefined;
    }
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      throw new FaultSpecError(`${name} must be a number between ${min} and ${max}`, name);
    }
    return v;
  };
  const bool = (name: string): boolean => {
    const v = o[name];
    if (v !== undefined && typeof v !== 'boolean') {
      throw new FaultSpecError(`${name} must be a boolean`, name);
    }
    return v === true;
  };
  const str = (name: string): string | undefined => {
    const v = o[name];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 200)) {
      throw new FaultSpecError(`${name} must be a non-empty string`, name);
    }
    return v;
  };
  const spec: RequestFaultSpec = {
    kind: 'request',
    operation: str('operation') ?? '*',
    latencyMs: num('latencyMs', 0, 600_000, true) ?? 0,
    errorRate: num('errorRate', 0, 1, false) ?? 1,
    reset: bool('reset'),
    malformedBody: bool('malformedBody'),
    fail: false,
  };
  const status = num('status', 400, 599, true);
  const code = str('code');
  const message = str('message');
  const count = num('count', 1, 1_000_000, true);
  if (status !== undefined) {
    spec.status = status;
  }
  if (code !== undefined) {
    if (!/^[A-Za-z]+$/.test(code)) {
      throw new FaultSpecError('code must be letters only', 'code');
    }
    spec.code = code;
  }
  if (message !== undefined) {
    spec.message = message;
  }
  if (count !== undefined) {
    spec.count = count;
  }
  spec.fail =
    spec.reset ||
    spec.malformedBody ||
    spec.status !== undefined ||
    spec.code !== undefined ||
    o.errorRate !== undefined ||
    spec.latencyMs === 0;
  if (
    [spec.reset, spec.malformedBody, spec.status !== undefined || spec.code !== undefined].filter(Boolean)
      .length > 1
  ) {
    throw new FaultSpecError('choose one of reset, malformedBody or status/code', 'reset');
  }
  return spec;
}

function copyFault(f: Fault): Fault {
  return f.kind === 'replication' ? { ...f, replication: { ...f.replication } } : { ...f };
}

function controlOf(spec: ReplicationFaultSpec): ReplicationControl {
  const r = spec.replication;
  return r.mode === 'pause' ? { mode: 'pause' } : { mode: 'slow', factor: r.factor };
}

/**
 * The active faults: request faults (decided per request) and replication faults (applied to the
 * replication engine, `replication`, when added and lifted when removed).
 */
export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(
    private readonly random: () => number = Math.random,
    private readonly replication?: ReplicationControlTarget,
  ) {}

  /** @throws FaultSpecError when a replication fault names a bucket or rule that does not exist. */
  add(spec: FaultSpec): AddedFault {
    let replaced: Fault | undefined;
    if (spec.kind === 'replication') {
      const { bucket, ruleId } = spec.replication;
      const outcome = this.replication?.setControl(bucket, ruleId, controlOf(spec)) ?? 'noSuchBucket';
      if (outcome === 'noSuchBucket') {
        throw new FaultSpecError(
          `replication.bucket: no bucket ${bucket} (rule ${bucket}/${ruleId})`,
          'replication.bucket',
        );
      }
      if (outcome === 'noSuchRule') {
        throw new FaultSpecError(
          `replication.ruleId: bucket ${bucket} has no replication rule ${ruleId} (rule ${bucket}/${ruleId})`,
          'replication.ruleId',
        );
      }
      replaced = this.replicationFault(bucket, ruleId);
      if (replaced) {
        this.faults = this.faults.filter((f) => f !== replaced);
      }
    }
    const fault: Fault = { ...spec, id: String(this.nextId++) };
    this.faults.push(fault);
    const added: AddedFault = copyFault(fault);
    if (replaced) {
      added.replaced = replaced.id;
    }
    return added;
  }

  list(): Fault[] {
    return this.faults.map(copyFault);
  }

  /** The replication fault on `bucket`/`ruleId`, if any. */
  replicationFault(bucket: string, ruleId: string): Fault | undefined {
    return this.faults.find(
      (f) => f.kind === 'replication' && f.replication.bucket === bucket && f.replication.ruleId === ruleId,
    );
  }

  /** Removes the fault; a replication fault's rule replicates normally again. */
  remove(id: string): boolean {
    const fault = this.faults.find((f) => f.id === id);
    if (!fault) {
      return false;
    }
    this.faults = this.faults.filter((f) => f !== fault);
    this.lift(fault);
    return true;
  }

  clear(): void {
    const all = this.faults;
    this.faults = [];
    all.forEach((f) => this.lift(f));
  }

  /** Forgets the replication fault of a rule that no longer exists (the engine already dropped it). */
  ruleRemoved(bucket: string, ruleId: string): void {
    const fault = this.replicationFault(bucket, ruleId);
    if (fault) {
      this.faults = this.faults.filter((f) => f !== fault);
    }
  }

  private lift(fault: Fault): void {
    if (fault.kind === 'replication') {
      this.replication?.setControl(fault.replication.bucket, fault.replication.ruleId, undefined);
    }
  }

  /** What to do to a request for `operation`; undefined when no fault applies. */
  decide(operation: string): FaultDecision | undefined {
    const fault = this.faults.find(
      (f): f is RequestFaultSpec & { id: string } =>
        f.kind === 'request' && (f.operation === '*' || f.operation === operation),
    );
    if (!fault) {
      return undefined;
    }
    if (fault.count !== undefined) {
      fault.count--;
      if (fault.count <= 0) {
        this.remove(fault.id);
      }
    }
    const decision: FaultDecision = { latencyMs: fault.latencyMs };
    if (fault.fail && this.random() < fault.errorRate) {
      if (fault.reset) {
        decision.outcome = { kind: 'reset' };
      } else if (fault.malformedBody) {
        decision.outcome = { kind: 'malformed' };
      } else {
        const status = fault.status ?? 503;
        decision.outcome = { kind: 'error', status, code: fault.code ?? defaultCode(status) };
        if (fault.message !== undefined) {
          decision.outcome.message = fault.message;
        }
      }
    }
    return decision;
  }
}
