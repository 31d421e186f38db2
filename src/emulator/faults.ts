/**
 * Fault injection for tests (enabled with `faults: true` / `EMULATOR_FAULTS=on`).
 *
 * Admin endpoint (no signature needed, JSON):
 * - `POST /__emulator/faults` body
 *   `{ operation?: 'GetBucketReplication' | … | '*', latencyMs?, errorRate?, status?, code?, message?, reset?, malformedBody?, count? }`
 *   adds a fault and answers `201 {id, …}`. `latencyMs` delays matching requests (a fault with only
 *   `latencyMs` does nothing else); otherwise, with probability `errorRate` (default 1), the request fails: `reset: true` destroys the connection,
 *   `malformedBody: true` answers 200 with a truncated XML body, otherwise an OSS error with
 *   `status` (default 503) and `code` (default `ServiceUnavailable`, or `InternalError` for 500,
 *   `SlowDown` is accepted too). `count` limits how many requests the fault applies to.
 * - `GET /__emulator/faults` lists active faults; `DELETE /__emulator/faults` removes all;
 *   `DELETE /__emulator/faults/<id>` removes one.
 */
export interface FaultSpec {
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

export interface Fault extends FaultSpec {
  id: string;
}

export type FaultOutcome =
  | { kind: 'error'; status: number; code: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'malformed' };

export interface FaultDecision {
  latencyMs: number;
  outcome?: FaultOutcome;
}

export class FaultSpecError extends Error {}

function defaultCode(status: number): string {
  if (status === 500) {
    return 'InternalError';
  }
  if (status === 503) {
    return 'ServiceUnavailable';
  }
  return 'InjectedFault';
}

/** Validates a POST body into a fault spec; throws FaultSpecError naming the bad field. */
export function parseFaultSpec(raw: unknown): FaultSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FaultSpecError('body must be a JSON object');
  }
  const o = raw as Record<string, unknown>;
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
      throw new FaultSpecError(`unknown field ${k}`);
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
      throw new FaultSpecError(`${name} must be a number between ${min} and ${max}`);
    }
    return v;
  };
  const bool = (name: string): boolean => {
    const v = o[name];
    if (v !== undefined && typeof v !== 'boolean') {
      throw new FaultSpecError(`${name} must be a boolean`);
    }
    return v === true;
  };
  const str = (name: string): string | undefined => {
    const v = o[name];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 200)) {
      throw new FaultSpecError(`${name} must be a non-empty string`);
    }
    return v;
  };
  const spec: FaultSpec = {
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
      throw new FaultSpecError('code must be letters only');
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
    throw new FaultSpecError('choose one of reset, malformedBody or status/code');
  }
  return spec;
}

export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: String(this.nextId++) };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** What to do to a request for `operation`; undefined when no fault applies. */
  decide(operation: string): FaultDecision | undefined {
    const fault = this.faults.find((f) => f.operation === '*' || f.operation === operation);
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
