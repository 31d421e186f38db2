import { describe, expect, it } from 'vitest';
import { aNewRule, aRule, hangzhouLocations } from '../../../test/fixtures/replication/rules.js';
import { chooseTransferType, preflightCreate, preflightRtc, type PreflightFacts } from './preflight.js';

function facts(overrides: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    sourceBucket: 'src-bucket',
    sourceLocation: 'oss-cn-hangzhou',
    locations: hangzhouLocations(),
    existingRules: [],
    ...overrides,
  };
}

describe(preflightCreate.name, () => {
  it('finds nothing wrong with a rule to an allowed partner region', () => {
    expect(preflightCreate(aNewRule({ rtc: { enabled: true } }), facts())).toEqual([]);
  });

  it('reports every problem at once: same bucket and a region the bucket cannot replicate to', () => {
    const findings = preflightCreate(
      aNewRule({
        destination: { bucket: 'src-bucket', location: 'oss-eu-central-1', transferType: 'internal' },
      }),
      facts(),
    );
    expect(findings.map((f) => [f.field, f.code, f.conflict])).toEqual([
      ['destination.bucket', 'SameBucketDestination', false],
      ['destination.location', 'DestinationLocationNotAllowed', false],
    ]);
    expect(findings[1].message).toContain('oss-cn-beijing');
    expect(findings[1].message).toContain('oss-cn-hangzhou (same region)');
  });

  it('requires the transfer type the region allows and refuses RTC where it is not supported', () => {
    const findings = preflightCreate(
      aNewRule({
        destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong', transferType: 'internal' },
        rtc: { enabled: true },
      }),
      facts(),
    );
    expect(findings.map((f) => f.code)).toEqual(['TransferTypeNotAllowed', 'RtcNotSupported']);
  });

  it('allows same-region replication with internal transfer only and without RTC', () => {
    const srr = { bucket: 'hz-bucket', location: 'oss-cn-hangzhou', transferType: 'internal' as const };
    expect(preflightCreate(aNewRule({ destination: srr }), facts())).toEqual([]);
    expect(
      preflightCreate(
        aNewRule({ destination: { ...srr, transferType: 'oss_acc' }, rtc: { enabled: true } }),
        facts(),
      ).map((f) => f.code),
    ).toEqual(['TransferTypeNotAllowed', 'RtcNotSupported']);
  });

  it('does not treat the source region as allowed when it is unknown', () => {
    const findings = preflightCreate(
      aNewRule({
        destination: { bucket: 'hz-bucket', location: 'oss-cn-hangzhou', transferType: 'internal' },
      }),
      facts({ sourceLocation: undefined }),
    );
    expect(findings.map((f) => f.code)).toEqual(['DestinationLocationNotAllowed']);
  });

  it('reports a bucket without any replication location', () => {
    const findings = preflightCreate(
      aNewRule(),
      facts({ sourceLocation: undefined, locations: { locations: [] } }),
    );
    expect(findings[0].message).toContain('has no replication location');
  });

  it('flags the rule limit and a duplicate destination as conflicts, mentioning a closing rule', () => {
    const existing = Array.from({ length: 100 }, (_, i) =>
      aRule({
        id: `r${i}`,
        prefixes: [`p${i}/`],
        destination: { bucket: `d${i}`, location: 'oss-cn-beijing', transferType: 'internal' },
      }),
    );
    existing[0] = aRule({ id: 'old', status: 'closing', prefixes: ['old/'] });
    const findings = preflightCreate(aNewRule({ id: 'new' }), facts({ existingRules: existing }));
    expect(findings.map((f) => [f.code, f.conflict])).toEqual([
      ['RuleLimitReached', true],
      ['DuplicateDestination', true],
    ]);
    expect(findings[1].message).toContain('closing');
  });

  it('does not count a rule with the same id against the limit or as a duplicate', () => {
    expect(preflightCreate(aNewRule(), facts({ existingRules: [aRule()] }))).toEqual([]);
  });

  it('notes prefixes that another rule replicates too (OSS accepts it), naming the rule', () => {
    const existing = [
      aRule({ id: 'videos', prefixes: ['source'], destination: { ...aRule().destination, bucket: 'd1' } }),
      aRule({
        id: 'more',
        prefixes: ['source/video/hd'],
        destination: { ...aRule().destination, bucket: 'd2' },
      }),
      aRule({ id: 'logs', prefixes: ['logs/'], destination: { ...aRule().destination, bucket: 'd3' } }),
    ];
    const findings = preflightCreate(
      aNewRule({ id: 'new', prefixes: ['source/video'] }),
      facts({ existingRules: existing }),
    );
    expect(findings).toEqual([
      {
        field: 'prefixes[0]',
        code: 'PrefixSharedWithRule',
        severity: 'info',
        conflict: false,
        message: expect.stringContaining(
          'Objects under "source/video" are also replicated by rule "videos" (and 1 other rule)',
        ),
      },
    ]);
  });

  it('refuses overlapping prefixes within the rule (OSS EC 0031-00000019), naming the later one', () => {
    expect(
      preflightCreate(aNewRule({ prefixes: ['a/', 'logs', 'logs/2024'] }), facts()).map((f) => [
        f.field,
        f.code,
        f.severity,
      ]),
    ).toEqual([['prefixes[2]', 'PrefixOverlap', 'error']]);
  });

  it('reports a missing destination bucket and a location that is not the bucket’s region', () => {
    expect(
      preflightCreate(aNewRule(), facts({ destinationBucket: { kind: 'missing' } })).map((f) => [
        f.field,
        f.code,
      ]),
    ).toEqual([['destination.bucket', 'DestinationBucketNotFound']]);
    const elsewhere = preflightCreate(
      aNewRule(),
      facts({ destinationBucket: { kind: 'found', location: 'oss-cn-shanghai' } }),
    );
    expect(elsewhere).toEqual([
      expect.objectContaining({
        field: 'destination.location',
        code: 'DestinationLocationMismatch',
        severity: 'error',
      }),
    ]);
    expect(elsewhere[0].message).toContain('is in oss-cn-shanghai, not oss-cn-beijing');
    expect(
      preflightCreate(
        aNewRule(),
        facts({ destinationBucket: { kind: 'found', location: 'oss-cn-beijing' } }),
      ),
    ).toEqual([]);
  });

  it('warns, without refusing, when the destination bucket cannot be read by the gateway', () => {
    expect(preflightCreate(aNewRule(), facts({ destinationBucket: { kind: 'unreadable' } }))).toEqual([
      expect.objectContaining({
        field: 'destination.bucket',
        code: 'DestinationBucketUnverified',
        severity: 'warning',
      }),
    ]);
  });

  it('checks an unsent transfer type as the internal OSS applies', () => {
    const unsent = aNewRule({ destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong' } });
    expect(preflightCreate(unsent, facts()).map((f) => f.code)).toEqual(['TransferTypeNotAllowed']);
  });
});

describe(chooseTransferType.name, () => {
  it('chooses oss_acc where the destination allows only transfer acceleration, and says so', () => {
    const unsent = aNewRule({ destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong' } });
    const { rule, finding } = chooseTransferType(unsent, facts());
    expect(rule.destination).toEqual({
      bucket: 'hk-bucket',
      location: 'oss-cn-hongkong',
      transferType: 'oss_acc',
    });
    expect(finding).toMatchObject({
      field: 'destination.transferType',
      code: 'TransferTypeChosen',
      severity: 'info',
    });
    expect(preflightCreate(rule, facts())).toEqual([]);
  });

  it('leaves a given transfer type, a same-region rule and an unconstrained partner alone', () => {
    const given = aNewRule({
      destination: { bucket: 'hk-bucket', location: 'oss-cn-hongkong', transferType: 'internal' },
    });
    const srr = aNewRule({ destination: { bucket: 'hz-bucket', location: 'oss-cn-hangzhou' } });
    const beijing = aNewRule({ destination: { bucket: 'bj-bucket', location: 'oss-cn-beijing' } });
    for (const rule of [given, srr, beijing]) {
      expect(chooseTransferType(rule, facts())).toEqual({ rule });
    }
  });
});

describe(preflightRtc.name, () => {
  it('allows enabling RTC to an RTC partner and disabling it anywhere', () => {
    expect(preflightRtc(aRule(), true, facts())).toEqual([]);
    const hk = aRule({ destination: { bucket: 'hk', location: 'oss-cn-hongkong', transferType: 'oss_acc' } });
    expect(preflightRtc(hk, false, facts())).toEqual([]);
    expect(preflightRtc(hk, true, facts()).map((f) => [f.field, f.code])).toEqual([
      ['enabled', 'RtcNotSupported'],
    ]);
  });

  it('refuses any change on a closing rule as a conflict', () => {
    expect(preflightRtc(aRule({ status: 'closing' }), false, facts())).toEqual([
      expect.objectContaining({ code: 'RuleClosing', conflict: true }),
    ]);
  });
});
