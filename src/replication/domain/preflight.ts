import { findOverlappingPrefixes, findOverlapsWithRules } from './prefix-overlap.js';
import { MAX_RULES_PER_BUCKET } from '../../oss/limits.js';
import {
  effectiveTransferType,
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
  | 'RuleClosing'
  | 'DestinationBucketNotFound'
  | 'DestinationLocationMismatch'
  | 'PrefixOverlap'
  | 'PrefixSharedWithRule'
  | 'DestinationBucketUnverified'
  | 'TransferTypeChosen';

/**
 * `error`: OSS would refuse the request, so nothing is sent. `warning`: something pre-flight could
 * not check; `info`: a choice pre-flight made. Warnings and infos never stop a request; a dry run
 * shows them in its plan.
 */
export type PreflightSeverity = 'error' | 'warning' | 'info';

/** One pre-flight finding; `conflict` errors depend on existing state (→ 409). */
export interface PreflightFinding {
  field: string;
  message: string;
  code: PreflightCode;
  severity: PreflightSeverity;
  conflict: boolean;
}

/**
 * What GetBucketLocation said of the destination bucket: its location, NoSuchBucket (`missing`),
 * or AccessDenied to the gateway's own credentials (`unreadable`: e.g. a bucket of another account).
 */
export type DestinationBucketFacts =
  { kind: 'found'; location: string } | { kind: 'missing' } | { kind: 'unreadable' };

export interface PreflightFacts {
  sourceBucket: string;
  /** The source bucket's location (`oss-cn-hangzhou`); undefined when unknown. Same-region (SRR) targets it. */
  sourceLocation: string | undefined;
  /** GetBucketReplicationLocation of the source bucket (CRR partners; the source's own region is implied). */
  locations: ReplicationLocationsModel;
  /** The rules the source bucket has now (any status). */
  existingRules: readonly ReplicationRuleModel[];
  /** GetBucketLocation of the destination bucket; undefined when it was not looked up. */
  destinationBucket?: DestinationBucketFacts;
}

function error(field: string, code: PreflightCode, message: string, conflict = false): PreflightFinding {
  return { field, code, severity: 'error', conflict, message };
}

/**
 * The transfer type to send when the caller gave none: `oss_acc` where GetBucketReplicationLocation's
 * LocationTransferTypeConstraint allows only transfer acceleration to the destination (OSS answers
 * MissingArgument otherwise), with an `info` finding saying so; else the rule unchanged (OSS applies
 * `internal`). Pure.
 */
export function chooseTransferType(
  rule: NewReplicationRule,
  facts: Pick<PreflightFacts, 'sourceLocation' | 'locations'>,
): { rule: NewReplicationRule; finding?: PreflightFinding } {
  const { destination } = rule;
  if (destination.transferType !== undefined || destination.location === facts.sourceLocation) {
    return { rule };
  }
  const partner = facts.locations.locations.find((l) => l.location === destination.location);
  if (!partner || partner.transferTypes.includes('internal') || !partner.transferTypes.includes('oss_acc')) {
    return { rule };
  }
  return {
    rule: { ...rule, destination: { ...destination, transferType: 'oss_acc' } },
    finding: {
      field: 'destination.transferType',
      code: 'TransferTypeChosen',
      severity: 'info',
      conflict: false,
      message: `Transfer type oss_acc was chosen: replication from "${rule.id}"'s source to ${destination.location} requires transfer acceleration (LocationTransferTypeConstraint).`,
    },
  };
}

/**
 * Every problem OSS would report for this rule, found before anything is written, all at once, plus
 * a warning when the destination bucket could not be checked. Run {@link chooseTransferType} first.
 * Pure: the facts come from GetBucketReplicationLocation, GetBucketLocation (source and destination
 * buckets) and GetBucketReplication.
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
      severity: 'error',
      conflict: false,
      message: `The destination bucket must differ from the source bucket "${facts.sourceBucket}".`,
    });
  }
  findings.push(...destinationFindings(rule, facts));

  if (!partner && !sameRegion) {
    const allowed = facts.locations.locations.map((l) => l.location);
    if (facts.sourceLocation) {
      allowed.push(`${facts.sourceLocation} (same region)`);
    }
    findings.push({
      field: 'destination.location',
      code: 'DestinationLocationNotAllowed',
      severity: 'error',
      conflict: false,
      message:
        allowed.length > 0
          ? `Bucket "${facts.sourceBucket}" cannot replicate to ${destination.location}; allowed: ${allowed.join(', ')}.`
          : `Bucket "${facts.sourceBucket}" has no replication location.`,
    });
  } else {
    const transferTypes = partner && !sameRegion ? partner.transferTypes : ['internal'];
    const transferType = effectiveTransferType(rule);
    if (!transferTypes.includes(transferType)) {
      findings.push({
        field: 'destination.transferType',
        code: 'TransferTypeNotAllowed',
        severity: 'error',
        conflict: false,
        message: `Transfer type ${transferType} is not available to ${destination.location}${
          sameRegion ? ' (same-region replication)' : ''
        }; allowed: ${transferTypes.join(', ')}.`,
      });
    }
    if (rule.rtc.enabled && (sameRegion || !partner?.rtcSupported)) {
      findings.push({
        field: 'rtc.enabled',
        code: 'RtcNotSupported',
        severity: 'error',
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
      severity: 'error',
      conflict: true,
      message: `Bucket "${facts.sourceBucket}" already has ${others.length} replication rules (limit ${MAX_RULES_PER_BUCKET}).`,
    });
  }

  const duplicate = others.find((r) => r.destination.bucket === destination.bucket);
  if (duplicate) {
    findings.push({
      field: 'destination.bucket',
      code: 'DuplicateDestination',
      severity: 'error',
      conflict: true,
      message:
        `Rule "${duplicate.id}" already replicates "${facts.sourceBucket}" to "${destination.bucket}"` +
        (duplicate.status === 'closing' ? ' and is still being deleted (closing); retry later.' : '.'),
    });
  }

  // OSS refuses overlapping prefixes within one rule (EC 0031-00000019: `source` and `source/video`).
  for (const overlap of findOverlappingPrefixes(rule.prefixes)) {
    findings.push(
      error(
        `prefixes[${overlap.otherIndex}]`,
        'PrefixOverlap',
        `Prefix "${overlap.otherPrefix}" overlaps prefix "${overlap.prefix}" (prefixes[${overlap.index}]); ` +
          'OSS refuses a rule whose prefixes overlap (EC 0031-00000019).',
      ),
    );
  }
  // Across rules OSS accepts it (the same keys may go to several destinations): say so, no more.
  const shared = findOverlapsWithRules(rule.prefixes, others);
  if (shared.length > 0) {
    const rules = [...new Set(shared.map((o) => o.ruleId))];
    const [first] = shared;
    findings.push({
      field: first.index >= 0 ? `prefixes[${first.index}]` : 'prefixes',
      code: 'PrefixSharedWithRule',
      severity: 'info',
      conflict: false,
      message:
        `Objects under "${first.prefix || '(the whole bucket)'}" are also replicated by rule "${first.ruleId}"` +
        (rules.length > 1 ? ` (and ${rules.length - 1} other rule${rules.length === 2 ? '' : 's'})` : '') +
        '; OSS copies them to each destination.',
    });
  }
  return findings;
}

/** What the destination bucket's GetBucketLocation says against the rule (the source bucket is not looked up). */
function destinationFindings(rule: NewReplicationRule, facts: PreflightFacts): PreflightFinding[] {
  const { destination } = rule;
  const found = facts.destinationBucket;
  if (found === undefined || destination.bucket === facts.sourceBucket) {
    return [];
  }
  switch (found.kind) {
    case 'missing':
      return [
        error(
          'destination.bucket',
          'DestinationBucketNotFound',
          `The destination bucket "${destination.bucket}" does not exist.`,
        ),
      ];
    case 'found':
      return found.location === destination.location
        ? []
        : [
            error(
              'destination.location',
              'DestinationLocationMismatch',
              `The destination bucket "${destination.bucket}" is in ${found.location}, not ${destination.location}.`,
            ),
          ];
    case 'unreadable':
      return [
        {
          field: 'destination.bucket',
          code: 'DestinationBucketUnverified',
          severity: 'warning',
          conflict: false,
          message:
            `The gateway may not read the destination bucket "${destination.bucket}" (AccessDenied), so its ` +
            'existence and region were not checked; OSS checks them when the rule is created.',
        },
      ];
  }
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
      severity: 'error',
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
      severity: 'error',
      conflict: false,
      message: sameRegion
        ? 'Replication time control applies to cross-region replication only.'
        : `Replication time control is not supported from this bucket to ${rule.destination.location}.`,
    });
  }
  return findings;
}
