import { OssClientError } from '../errors.js';
import { MAX_PREFIX_LENGTH, MAX_PREFIXES, MAX_RULE_ID_LENGTH } from '../limits.js';
import { toLocation } from '../region.js';
import type { ReplicationRuleInput, ReplicationRuleWire } from '../models/replication.js';
import type { XmlBuildObject, XmlNode } from '../xml/xml-codec.js';
import { childElement, childText, childTexts, requiredText } from '../xml/xml-codec.js';

function invalid(message: string): OssClientError {
  return new OssClientError('InvalidArgument', message);
}

/** Checks the documented limits before anything is sent. */
export function validateRuleInput(rule: ReplicationRuleInput & { id: string }): void {
  if (rule.id.length === 0 || rule.id.length > MAX_RULE_ID_LENGTH) {
    throw invalid(`Rule ID must be 1..${MAX_RULE_ID_LENGTH} characters`);
  }
  const prefixes = rule.prefixes ?? [];
  if (prefixes.length > MAX_PREFIXES) {
    throw invalid(`A rule may have at most ${MAX_PREFIXES} prefixes`);
  }
  for (const prefix of prefixes) {
    if (prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH) {
      throw invalid(`Each prefix must be 1..${MAX_PREFIX_LENGTH} characters`);
    }
  }
  if (!rule.destination.bucket || !rule.destination.location) {
    throw invalid('Destination bucket and location are required');
  }
  if (rule.sseKmsEncryptedObjects && !rule.replicaKmsKeyId) {
    throw invalid('replicaKmsKeyId is required when sseKmsEncryptedObjects is enabled');
  }
}

/** The `<Rule>` children in the order the reference samples use. */
export function ruleToXml(rule: ReplicationRuleInput & { id: string }): XmlBuildObject {
  const prefixes = rule.prefixes ?? [];
  return {
    ID: rule.id,
    PrefixSet: prefixes.length > 0 ? { Prefix: prefixes } : undefined,
    Action: rule.action ?? 'ALL',
    Destination: {
      Bucket: rule.destination.bucket,
      Location: toLocation(rule.destination.location),
      // Sent only when given: absent, OSS applies its default (internal).
      TransferType: rule.destination.transferType,
    },
    HistoricalObjectReplication: (rule.historicalObjectReplication ?? true) ? 'enabled' : 'disabled',
    SyncRole: rule.syncRole,
    SourceSelectionCriteria:
      rule.sseKmsEncryptedObjects === undefined
        ? undefined
        : { SseKmsEncryptedObjects: { Status: rule.sseKmsEncryptedObjects ? 'Enabled' : 'Disabled' } },
    EncryptionConfiguration: rule.replicaKmsKeyId ? { ReplicaKmsKeyID: rule.replicaKmsKeyId } : undefined,
    RTC: rule.rtc ? { Status: rule.rtc.enabled ? 'enabled' : 'disabled' } : undefined,
  };
}

function parseEnabled(value: string | undefined, field: string, fallback: boolean): boolean {
  if (value === undefined || value === '') {
    return fallback;
  }
  switch (value.toLowerCase()) {
    case 'enabled':
      return true;
    case 'disabled':
      return false;
    default:
      throw new OssClientError('MalformedResponse', `${field}: unexpected value ${JSON.stringify(value)}`);
  }
}

/** Reads one `<Rule>` element (GetBucketReplication / GetBucketReplicationProgress). */
export function ruleFromXml(node: XmlNode): ReplicationRuleWire {
  const context = 'Rule';
  const destination = childElement(node, 'Destination');
  if (!destination) {
    throw new OssClientError('MalformedResponse', `${context}: missing <Destination>`);
  }
  const rule: ReplicationRuleWire = {
    id: requiredText(node, 'ID', context),
    prefixes: childTexts(childElement(node, 'PrefixSet'), 'Prefix').filter((p) => p !== ''),
    action: childText(node, 'Action') || 'ALL',
    destination: {
      bucket: requiredText(destination, 'Bucket', 'Rule/Destination'),
      location: requiredText(destination, 'Location', 'Rule/Destination'),
      transferType: childText(destination, 'TransferType') || 'internal',
    },
    historicalObjectReplication: parseEnabled(
      childText(node, 'HistoricalObjectReplication'),
      'HistoricalObjectReplication',
      true,
    ),
  };
  const status = childText(node, 'Status');
  if (status) {
    rule.status = status;
  }
  const syncRole = childText(node, 'SyncRole');
  if (syncRole) {
    rule.syncRole = syncRole;
  }
  const kmsStatus = childText(
    childElement(childElement(node, 'SourceSelectionCriteria'), 'SseKmsEncryptedObjects'),
    'Status',
  );
  if (kmsStatus) {
    rule.sseKmsEncryptedObjects = parseEnabled(kmsStatus, 'SseKmsEncryptedObjects/Status', false);
  }
  const kmsKey = childText(childElement(node, 'EncryptionConfiguration'), 'ReplicaKmsKeyID');
  if (kmsKey) {
    rule.replicaKmsKeyId = kmsKey;
  }
  const rtcStatus = childText(childElement(node, 'RTC'), 'Status');
  if (rtcStatus) {
    rule.rtc = { status: rtcStatus };
  }
  return rule;
}
