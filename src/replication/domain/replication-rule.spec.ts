import { describe, expect, it } from 'vitest';
import { aNewRule, aRule } from '../../../test/fixtures/replication/rules.js';
import { completeNewRule, isEquivalentRule, ruleFromNew, rulePath } from './replication-rule.js';

describe(completeNewRule.name, () => {
  it("applies OSS's defaults (whole bucket, ALL, historical on, RTC off) but leaves the transfer type unsent", () => {
    expect(completeNewRule({ destination: { bucket: 'd', location: 'oss-cn-beijing' } }, 'id-1')).toEqual({
      id: 'id-1',
      prefixes: [],
      action: 'ALL',
      destination: { bucket: 'd', location: 'oss-cn-beijing' },
      historicalObjectReplication: true,
      rtc: { enabled: false },
    });
  });

  it('keeps what the caller gave', () => {
    const rule = completeNewRule(
      {
        prefixes: ['a/'],
        action: 'PUT',
        destination: { bucket: 'd', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
        historicalObjectReplication: false,
        syncRole: 'role',
        sseKmsEncryptedObjects: true,
        replicaKmsKeyId: 'k',
        rtc: { enabled: true },
      },
      'x',
    );
    expect(rule).toMatchObject({
      action: 'PUT',
      historicalObjectReplication: false,
      syncRole: 'role',
      replicaKmsKeyId: 'k',
    });
  });
});

describe(isEquivalentRule.name, () => {
  it('ignores status, RTC status and prefix order', () => {
    const existing = aRule({
      status: 'starting',
      prefixes: ['b/', 'a/'],
      rtc: { enabled: true, status: 'enabling' },
    });
    expect(isEquivalentRule(existing, aNewRule({ prefixes: ['a/', 'b/'], rtc: { enabled: true } }))).toBe(
      true,
    );
  });

  it('treats an unsent transfer type as OSS default internal', () => {
    const unsent = aNewRule({ destination: { bucket: 'dest-bucket', location: 'oss-cn-beijing' } });
    expect(isEquivalentRule(aRule(), unsent)).toBe(true);
  });

  it('treats an absent SSE-KMS flag as false', () => {
    expect(isEquivalentRule(aRule(), aNewRule({ sseKmsEncryptedObjects: false }))).toBe(true);
  });

  it.each([
    ['action', aNewRule({ action: 'PUT' })],
    ['prefixes', aNewRule({ prefixes: ['logs/', 'more/'] })],
    [
      'destination',
      aNewRule({ destination: { bucket: 'other', location: 'oss-cn-beijing', transferType: 'internal' } }),
    ],
    [
      'transfer type',
      aNewRule({
        destination: { bucket: 'dest-bucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
      }),
    ],
    ['historical', aNewRule({ historicalObjectReplication: false })],
    ['sync role', aNewRule({ syncRole: 'r' })],
    ['rtc', aNewRule({ rtc: { enabled: true } })],
  ])('sees a different %s', (_what, wanted) => {
    expect(isEquivalentRule(aRule(), wanted)).toBe(false);
  });
});

describe(ruleFromNew.name, () => {
  it('describes a just-created rule as starting, with RTC enabling when requested', () => {
    expect(ruleFromNew(aNewRule({ rtc: { enabled: true } }))).toMatchObject({
      status: 'starting',
      rtc: { enabled: true, status: 'enabling' },
    });
    expect(ruleFromNew(aNewRule()).rtc).toEqual({ enabled: false });
  });

  it('shows an unsent transfer type as the internal OSS applies', () => {
    const unsent = aNewRule({ destination: { bucket: 'd', location: 'oss-cn-beijing' } });
    expect(ruleFromNew(unsent).destination.transferType).toBe('internal');
  });
});

describe(rulePath.name, () => {
  it('encodes the rule id', () => {
    expect(rulePath('b-1', 'a:b')).toBe('/v1/buckets/b-1/replication/rules/a%3Ab');
  });
});
