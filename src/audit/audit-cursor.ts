import { DomainError } from '../common/errors/domain-error.js';

/** A position in the newest-first order of events: strictly after (older than) this (time, id). */
export interface AuditCursorPosition {
  time: Date;
  id: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to callers: base64url of `v1|<ISO time>|<id>`. */
export function encodeAuditCursor(position: AuditCursorPosition): string {
  return Buffer.from(`v1|${position.time.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor produced by encodeAuditCursor; anything else is a validation error on `after`. */
export function decodeAuditCursor(cursor: string): AuditCursorPosition {
  const invalid = () =>
    DomainError.validation([{ field: 'after', message: 'after must be a nextCursor returned by this API' }]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) {
    throw invalid();
  }
  const [version, iso, id, ...extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (
    version !== 'v1' ||
    !iso ||
    !ISO.test(iso) ||
    !id ||
    extra.length > 0 ||
    !/^[0-9a-f-]{1,64}$/.test(id)
  ) {
    throw invalid();
  }
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) {
    throw invalid();
  }
  return { time, id };
}
