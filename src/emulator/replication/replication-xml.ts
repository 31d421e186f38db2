import { MAX_PREFIXES, MAX_PREFIX_LENGTH, MAX_RULE_ID_LENGTH } from '../../oss/limits.js';
import { DOCUMENTED_EC, ossError, type DocumentedEc } from '../errors.js';
import {
  childElement,
  childElements,
  childText,
  el,
  parseXml,
  XmlParseError,
  type XmlElement,
  type XmlNode,
} from '../xml.js';
import type { ReplicationDestination } from '../regions.js';
import type { ReplicationRuleState } from './rule.js';

/** A PutBucketReplication rule as received (syntactically checked, not yet checked against buckets/regions). */
export interface RuleInput {
  id?: string;
  prefixes: string[];
  action: 'ALL' | 'PUT';
  destination: { bucket: string; location: string; transferType?: string };
  historicalObjectReplication: boolean;
  syncRole?: string;
  sseKmsEncryptedObjects?: 'Enabled' | 'Disabled';
  replicaKmsKeyId?: string;
  rtc?: 'enabled' | 'disabled';
}

export function parseRoot(body: Buffer, expectedRoot: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(body.toString('utf8'));
  } catch (err) {
    if (err instanceof XmlParseError) {
      throw ossError('MalformedXML');
    }
    throw err;
  }
  if (root.name !== expectedRoot) {
    throw ossError(
      'MalformedXML',
      {},
      `The XML you provided was not well-formed or did not validate against our published schema: root element must be ${expectedRoot}.`,
    );
  }
  return root;
}

/** The first two distinct prefixes of which one starts with the other (OSS refuses those, EC 0031-00000019). */
function firstOverlap(prefixes: readonly string[]): [string, string] | undefined {
  for (const [i, a] of prefixes.entries()) {
    const b = prefixes.slice(i + 1).find((p) => p.startsWith(a) || a.startsWith(p));
    if (b !== undefined) {
      return [a, b];
    }
  }
  return undefined;
}

function parseAction(raw: string | undefined): 'ALL' | 'PUT' {
  if (raw === undefined || raw === '') {
    return 'ALL';
  }
  const tokens = raw.split(',').map((t) => t.trim().toUpperCase());
  const known = new Set(['ALL', 'PUT', 'DELETE', 'ABORT']);
  if (tokens.some((t) => !known.has(t))) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: 'Action', ArgumentValue: raw },
      'The Action must be ALL or PUT.',
      DOCUMENTED_EC.invalidAction,
    );
  }
  return tokens.includes('ALL') || tokens.includes('DELETE') ? 'ALL' : 'PUT';
}

function enabledDisabled(
  name: string,
  raw: string | undefined,
  fallback: boolean,
  ec?: DocumentedEc,
): boolean {
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (raw === 'enabled' || raw === 'disabled') {
    return raw === 'enabled';
  }
  throw ossError(
    'InvalidArgument',
    { ArgumentName: name, ArgumentValue: raw },
    `${name} must be enabled or disabled.`,
    ec,
  );
}

/** Parses a PutBucketReplication body (children in any order). */
export function parsePutReplicationBody(body: Buffer): RuleInput {
  const root = parseRoot(body, 'ReplicationConfiguration');
  const rules = childElements(root, 'Rule');
  if (rules.length === 0) {
    throw ossError('MalformedXML', {}, 'The ReplicationConfiguration must contain one Rule.');
  }
  if (rules.length > 1) {
    throw ossError('TooManyReplicationRules', {}, 'Only one replication rule can be put per request.');
  }
  const rule = rules[0];

  const id = childText(rule, 'ID');
  if (id !== undefined && id.length > MAX_RULE_ID_LENGTH) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: 'ID' },
      `The rule ID must be at most ${MAX_RULE_ID_LENGTH} characters.`,
    );
  }

  const prefixSet = childElement(rule, 'PrefixSet');
  const prefixes = prefixSet ? childElements(prefixSet, 'Prefix').map((p) => p.text) : [];
  if (prefixes.length > MAX_PREFIXES) {
    throw ossError('TooManyPrefixes');
  }
  for (const p of prefixes) {
    if (p.length > MAX_PREFIX_LENGTH) {
      throw ossError(
        'InvalidArgument',
        { ArgumentName: 'Prefix' },
        `A prefix must be at most ${MAX_PREFIX_LENGTH} characters.`,
      );
    }
  }
  // An empty prefix means "whole bucket".
  const effectivePrefixes = prefixes.includes('') ? [] : [...new Set(prefixes)];
  const overlap = firstOverlap(effectivePrefixes);
  if (overlap) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: 'Prefix', ArgumentValue: overlap.join(', ') },
      `The prefixes of a replication rule must not overlap: "${overlap[0]}" and "${overlap[1]}".`,
      DOCUMENTED_EC.overlappingPrefixes,
    );
  }

  const destination = childElement(rule, 'Destination');
  if (!destination) {
    throw ossError('MalformedXML', {}, 'The Rule must contain a Destination.');
  }
  const destBucket = childText(destination, 'Bucket');
  if (!destBucket) {
    throw ossError(
      'MissingArgument',
      { ArgumentName: 'Destination.Bucket' },
      'The destination bucket is not specified.',
    );
  }
  const destLocation = childText(destination, 'Location');
  if (!destLocation) {
    throw ossError(
      'MissingArgument',
      { ArgumentName: 'Destination.Location' },
      'The destination location is not specified.',
    );
  }
  const transferType = childText(destination, 'TransferType');

  const rtcEl = childElement(rule, 'RTC');
  let rtc: 'enabled' | 'disabled' | undefined;
  if (rtcEl) {
    rtc = enabledDisabled('RTC.Status', childText(rtcEl, 'Status'), false) ? 'enabled' : 'disabled';
  }

  let sseKms: 'Enabled' | 'Disabled' | undefined;
  const criteria = childElement(rule, 'SourceSelectionCriteria');
  if (criteria) {
    const sse = childElement(criteria, 'SseKmsEncryptedObjects');
    const status = sse ? childText(sse, 'Status') : undefined;
    if (status !== undefined && status !== 'Enabled' && status !== 'Disabled') {
      throw ossError(
        'InvalidArgument',
        { ArgumentName: 'SseKmsEncryptedObjects.Status' },
        'SseKmsEncryptedObjects Status must be Enabled or Disabled.',
      );
    }
    sseKms = status ?? 'Disabled';
  }
  const encryption = childElement(rule, 'EncryptionConfiguration');
  const replicaKmsKeyId = encryption ? childText(encryption, 'ReplicaKmsKeyID') : undefined;
  const syncRole = childText(rule, 'SyncRole');
  if (sseKms === 'Enabled') {
    if (!replicaKmsKeyId) {
      throw ossError(
        'MissingArgument',
        { ArgumentName: 'EncryptionConfiguration.ReplicaKmsKeyID' },
        'ReplicaKmsKeyID is required when SSE-KMS objects are replicated.',
      );
    }
    if (!syncRole) {
      throw ossError(
        'MissingArgument',
        { ArgumentName: 'SyncRole' },
        'SyncRole is required when SSE-KMS objects are replicated.',
      );
    }
  }

  const input: RuleInput = {
    prefixes: effectivePrefixes,
    action: parseAction(childText(rule, 'Action')),
    destination: { bucket: destBucket, location: destLocation },
    historicalObjectReplication: enabledDisabled(
      'HistoricalObjectReplication',
      childText(rule, 'HistoricalObjectReplication'),
      true,
      DOCUMENTED_EC.invalidHistoricalObjectReplication,
    ),
  };
  if (id) {
    input.id = id;
  }
  if (transferType !== undefined && transferType !== '') {
    input.destination.transferType = transferType;
  }
  if (rtc) {
    input.rtc = rtc;
  }
  if (syncRole) {
    input.syncRole = syncRole;
  }
  if (sseKms) {
    input.sseKmsEncryptedObjects = sseKms;
  }
  if (replicaKmsKeyId) {
    input.replicaKmsKeyId = replicaKmsKeyId;
  }
  return input;
}

/** Parses a PutBucketRTC body: `<ReplicationRule><RTC><Status/></RTC><ID/></ReplicationRule>`. */
export function parsePutRtcBody(body: Buffer): { id: string; enabled: boolean } {
  const root = parseRoot(body, 'ReplicationRule');
  const id = childText(root, 'ID');
  if (!id) {
    throw ossError(
      'MissingArgument',
      { ArgumentName: 'ID' },
      'The replication rule ID is not specified.',
      DOCUMENTED_EC.rtcWithoutId,
    );
  }
  const rtc = childElement(root, 'RTC');
  const status = rtc ? childText(rtc, 'Status') : undefined;
  if (!status) {
    throw ossError('MissingArgument', { ArgumentName: 'RTC.Status' }, 'The RTC status is not specified.');
  }
  return { id, enabled: enabledDisabled('RTC.Status', status, false) };
}

/** Parses a DeleteBucketReplication body: `<ReplicationRules><ID/></ReplicationRules>`. */
export function parseDeleteReplicationBody(body: Buffer): string {
  const root = parseRoot(body, 'ReplicationRules');
  const ids = childElements(root, 'ID').map((e) => e.text);
  if (ids.length === 0 || ids[0] === '') {
    throw ossError('MissingArgument', { ArgumentName: 'ID' }, 'The replication rule ID is not specified.');
  }
  if (ids.length > 1) {
    throw ossError('TooManyReplicationRules', {}, 'Only one replication rule can be deleted per request.');
  }
  return ids[0];
}

function ruleCommon(rule: ReplicationRuleState): XmlNode[] {
  return [
    el('ID', rule.id),
    rule.prefixes.length > 0 &&
      el(
        'PrefixSet',
        rule.prefixes.map((p) => el('Prefix', p)),
      ),
    el('Action', rule.action),
    el('Destination', [
      el('Bucket', rule.destination.bucket),
      el('Location', rule.destination.location),
      // OSS lists TransferType only when it is oss_acc.
      rule.destination.transferType === 'oss_acc' && el('TransferType', 'oss_acc'),
    ]),
    el('Status', rule.status),
    el('HistoricalObjectReplication', rule.historicalObjectReplication ? 'enabled' : 'disabled'),
  ].filter((n): n is XmlNode => n !== false);
}

export function replicationConfigurationXml(rules: readonly ReplicationRuleState[]): XmlNode {
  return el(
    'ReplicationConfiguration',
    rules.map((rule) =>
      el('Rule', [
        ...ruleCommon(rule),
        rule.syncRole !== undefined && el('SyncRole', rule.syncRole),
        rule.rtc !== undefined && el('RTC', [el('Status', rule.rtc)]),
        rule.sseKmsEncryptedObjects !== undefined &&
          el('SourceSelectionCriteria', [
            el('SseKmsEncryptedObjects', [el('Status', rule.sseKmsEncryptedObjects)]),
          ]),
        rule.replicaKmsKeyId !== undefined &&
          el('EncryptionConfiguration', [el('ReplicaKmsKeyID', rule.replicaKmsKeyId)]),
      ]),
    ),
  );
}

export interface ProgressView {
  historicalObject?: string;
  newObject: string;
}

export function replicationProgressXml(
  rules: ReadonlyArray<{ rule: ReplicationRuleState; progress: ProgressView | undefined }>,
): XmlNode {
  return el(
    'ReplicationProgress',
    rules.map(({ rule, progress }) =>
      el('Rule', [
        ...ruleCommon(rule),
        progress !== undefined &&
          el('Progress', [
            progress.historicalObject !== undefined && el('HistoricalObject', progress.historicalObject),
            el('NewObject', progress.newObject),
          ]),
      ]),
    ),
  );
}

export function replicationLocationXml(destinations: readonly ReplicationDestination[]): XmlNode {
  // Only destinations restricted to particular types are listed (in every sample: oss_acc across the border).
  const constrained = destinations.filter((d) => !d.transferTypes.includes('internal'));
  const rtc = destinations.filter((d) => d.rtcSupported);
  return el('ReplicationLocation', [
    ...destinations.map((d) => el('Location', d.location)),
    constrained.length > 0 &&
      el(
        'LocationTransferTypeConstraint',
        constrained.map((d) =>
          el('LocationTransferType', [
            el('Location', d.location),
            el(
              'TransferTypes',
              d.transferTypes.map((t) => el('Type', t)),
            ),
          ]),
        ),
      ),
    rtc.length > 0 &&
      el(
        'LocationRTCConstraint',
        rtc.map((d) => el('Location', d.location)),
      ),
  ]);
}
