import { vi } from 'vitest';
import type { AuditTrail } from '../stages/audit.stage.js';

/** An audit trail for stage and pipeline specs: records into a mock, commits at once. */
export interface FakeAuditTrail extends AuditTrail {
  available: boolean;
  backlogged: boolean;
  record: ReturnType<typeof vi.fn<AuditTrail['record']>>;
  repeat: ReturnType<typeof vi.fn<AuditTrail['repeat']>>;
  committed: ReturnType<typeof vi.fn<AuditTrail['committed']>>;
}

export function fakeAuditTrail(
  overrides: Partial<Pick<FakeAuditTrail, 'available' | 'backlogged'>> = {},
): FakeAuditTrail {
  let seq = 0;
  return {
    available: true,
    backlogged: false,
    retryAfterSeconds: 1,
    record: vi.fn<AuditTrail['record']>(() => (seq += 1)),
    repeat: vi.fn<AuditTrail['repeat']>(() => true),
    committed: vi.fn<AuditTrail['committed']>(() => Promise.resolve()),
    ...overrides,
  };
}
