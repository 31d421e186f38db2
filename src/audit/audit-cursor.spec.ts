import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../common/errors/domain-error.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import { AuditEventIdGenerator } from './audit-event-id.js';
import { bucketFromResource } from './audit-event.js';

describe(encodeAuditCursor.name, () => {
  it('round-trips a (time, id) position through an URL-safe string', () => {
    const position = {
      time: new Date('2025-05-01T12:34:56.789Z'),
      id: '01968a3e-1c2b-7000-8000-0123456789ab',
    };
    const cursor = encodeAuditCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeAuditCursor(cursor)).toEqual(position);
  });

  it.each([
    ['not base64url', 'a b'],
    ['another version', Buffer.from('v2|2025-05-01T00:00:00.000Z|abc').toString('base64url')],
    ['a non-ISO time', Buffer.from('v1|1714521600000|abc').toString('base64url')],
    ['an id with SQL in it', Buffer.from("v1|2025-05-01T00:00:00.000Z|' or 1=1").toString('base64url')],
    ['extra parts', Buffer.from('v1|2025-05-01T00:00:00.000Z|abc|def').toString('base64url')],
  ])('rejects a cursor with %s as a validation error on after', (_, cursor) => {
    expect(() => decodeAuditCursor(cursor)).toThrow(
      expect.objectContaining({
        code: ErrorCode.ValidationFailed,
        details: { errors: [expect.objectContaining({ field: 'after' })] },
      }),
    );
  });
});

describe(AuditEventIdGenerator.name, () => {
  it('issues UUID v7 ids that sort in issue order, also within one millisecond', () => {
    let now = 1_746_100_000_000;
    const ids = new AuditEventIdGenerator(() => now);
    const issued = Array.from({ length: 5_000 }, (_, i) => {
      if (i % 1_000 === 0) {
        now += 1;
      }
      return ids.next();
    });
    expect(
      issued.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toBe(true);
    expect([...issued].sort()).toEqual(issued);
    expect(new Set(issued).size).toBe(issued.length);
  });

  it('stays increasing when the clock steps back', () => {
    const times = [2_000, 1_000, 1_000];
    const ids = new AuditEventIdGenerator(() => times.shift() ?? 0);
    const [a, b, c] = [ids.next(), ids.next(), ids.next()];
    expect(a < b && b < c).toBe(true);
  });
});

describe(bucketFromResource.name, () => {
  it.each([
    ['acs:oss:cn-hangzhou:1234567890123456:my-bucket', 'my-bucket'],
    ['acs:oss:cn-hangzhou:*:my-bucket/some/key', 'my-bucket'],
    ['acs:oss:*:*:my-bucket', 'my-bucket'],
    ['*', undefined],
    ['acs:oss:cn-hangzhou:*:*', undefined],
    ['acs:oss:cn-hangzhou:*:my-*', undefined],
    ['acs:ram:*:*:my-bucket', undefined],
  ])('reads %s as bucket %s', (resource, bucket) => {
    expect(bucketFromResource(resource)).toBe(bucket);
  });
});
