import {
  MAX_RULES_PER_BUCKET,
  type NewReplicationRule,
  type ReplicationLocationsModel,
  type ReplicationRuleModel,
} from './replication-rule.js';

export type PreflightCode =
  | 'DestinationLocationNotAllowed'
  | 'RtcNotSupported'
  | 'TransferTypeNotAllowed'
  | 'RuleLimitReached'
  | 'SameBucketDestination'
  | 'DuplicateDestination'
  | 'RuleClosing';

/** One reason OSS would refuse the rule; `conflict` findings depend on existing state (→ 409). */
export interface PreflightFinding {
  field: string;
  message: string;
  code: PreflightCode;
  conflict: boolean;
}

export interface PreflightFacts {
  sourceBucket: string;
  /** The source bucket's location (`oss-cn-hangzhou`); undefined when unknown. Same-region (SRR) targets it. */
  sourceLocation: string | undefined;
  /** GetBucketReplicationLocation of the source bucket (CRR partners; the source's own region is implied). */
  locations: ReplicationLocationsModel;
  /** The rules the source bucket has now (any status). */
  existingRules: readonly ReplicationRuleModel[];
}

/**
 * Every problem OSS would report for this rule, found before anything is written, all at once.
 * Pure: the facts come from GetBucketReplicationLocation, GetBucketLocation and GetBucketReplication.
 */
export function preflightCreate(rule: NewReplicationRule, facts: PreflightFacts): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const { destination } = rule;
  const sameRegion = facts.sourceLocation !== undefined && destination.location === facts.sourceLocation;
  const partner = facts.locations.locations.find((l) => l.location === destination.location);

  if (destination.bucket === facts.sourceBucket) {
    findings.push({
      field: 'destination.bucket',
      code: 'SameBucketDestination',
      conflict: false,
      message: `The destination bucket must differ from the source bucket "${facts.sourceBucket}".`,
    });
  }

  if (!partner && !sameRegion) {
    const allowed = facts.locations.locations.map((l) => l.location);
    if (facts.sourceLocation) {
      allowed.push(`${facts.sourceLocation} (same region)`);
    }
    findings.push({
      field: 'destination.location',
      code: 'DestinationLocationNotAllowed',
      conflict: false,
      message:
        allowed.length > 0
          ? `Bucket "${facts.sourceBucket}" cannot replicate to ${destination.location}; allowed: ${allowed.join(', ')}.`
          : `Bucket "${facts.sourceBucket}" has no replication location.`,
    });
  } else {
    const transferTypes = partner && !sameRegion ? partner.transferTypes : ['internal'];
    if (!transferTypes.includes(destination.transferType)) {
      findings.push({
        field: 'destination.transferType',
        code: 'TransferTypeNotAllowed',
        conflict: false,
        message: `Transfer type ${destination.transferType} is not available to ${destination.location}${
          sameRegion ? ' (same-region replication)' : ''
        }; allowed: ${transferTypes.join(', ')}.`,
      });
    }
    if (rule.rtc.enabled && (sameRegion || !partner?.rtcSupported)) {
      findings.push({
        field: 'rtc.enabled',
        code: 'RtcNotSupported',
        conflict: false,
        message: sameRegion
          ? 'Replication time control applies to cross-region replication only.'
          : `Replication time control is not supported from this bucket to ${destination.location}.`,
      });
    }
  }

  const others = facts.existingRules.filter((r) => r.id !== rule.id);
  if (others.length >= MAX_RULES_PER_BUCKET) {
    findings.push({
      field: 'bucket',
      code: 'RuleLimitReached',
      conflict: true,
      message: `Bucket "${facts.sourceBucket}" already has ${others.length} replication rules (limit ${MAX_RULES_PER_BUCKET}).`,
    });
  }

  const duplicate = others.find((r) => r.destination.bucket === destination.bucket);
  if (duplicate) {
    findings.push({
      field: 'destination.bucket',
      code: 'DuplicateDestination',
      conflict: true,
      message:
        `Rule "${duplicate.id}" already replicates "${facts.sourceBucket}" to "${destination.bucket}"` +
        (duplicate.status === 'closing' ? ' and is still being deleted (closing); retry later.' : '.'),
    });
  }
  return findings;
}

/** Pre-flight for PutBucketRTC: enabling needs a cross-region destination with RTC support. */
export function preflightRtc(
  rule: ReplicationRuleModel,
  enabled: boolean,
  facts: Pick<PreflightFacts, 'sourceLocation' | 'locations'>,
): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  if (rule.status === 'closing') {
    findings.push({
      field: 'ruleId',
      code: 'RuleClosing',
      conflict: true,
      message: `Rule "${rule.id}" is being deleted (closing); its replication time control cannot change.`,
    });
    return findings;
  }
  if (!enabled) {
    return findings;
  }
  const sameRegion = facts.sourceLocation !== undefined && rule.destination.location === facts.sourceLocation;
  const partner = facts.locations.locations.find((l) => l.location === rule.destination.location);
  if (sameRegion || !partner?.rtcSupported) {
    findings.push({
      field: 'enabled',
      code: 'RtcNotSupported',
      conflict: false,
      message: sameRegion
        ? 'Replication time control applies to cross-region replication only.'
        : `Replication time control is not supported from this bucket to ${rule.destination.location}.`,
    });
  }
  return findings;
}
