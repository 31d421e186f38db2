import { OssClientError } from '../errors.js';
import type {
  GetBucketReplicationProgressOutput,
  ReplicationRuleProgressWire,
} from '../models/replication.js';
import { childElement, children, childText, parseXml, type XmlNode } from '../xml/xml-codec.js';
import type { OssOperation } from './operation.js';
import { requestIdOf } from './operation.js';
import { ruleFromXml } from './replication-rule.codec.js';

export interface GetBucketReplicationProgressInput {
  bucket: string;
  /** The rule to report; omitted, OSS reports every rule of the bucket. */
  ruleId?: string;
}

/** `0.85` → 0.85; must be a finite number in 0..1. */
export function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new OssClientError(
      'MalformedResponse',
      `HistoricalObject: not a fraction: ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** ISO-8601 (what every sample shows) or RFC 1123 (what the field text says); trailing spaces tolerated. */
export function parseOssTimestamp(value: string): Date {
  const trimmed = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(trimmed) || /GMT$/.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(ms)) {
    throw new OssClientError('MalformedResponse', `NewObject: not a timestamp: ${JSON.stringify(value)}`);
  }
  return new Date(ms);
}

function ruleProgressFromXml(ruleNode: XmlNode): ReplicationRuleProgressWire {
  const progress = childElement(ruleNode, 'Progress');
  const historical = childText(progress, 'HistoricalObject');
  const newObject = childText(progress, 'NewObject');
  return {
    rule: ruleFromXml(ruleNode),
    historicalObjectProgress: historical ? parseFraction(historical) : null,
    newObjectsReplicatedUntil: newObject ? parseOssTimestamp(newObject) : null,
  };
}

/**
 * `GET /?replicationProgress[&rule-id=…]` → root `ReplicationProgress` with one `Rule` per reported
 * rule: the named one, or every rule of the bucket without `rule-id`. An empty root is an empty list.
 */
export const GetBucketReplicationProgress: OssOperation<
  GetBucketReplicationProgressInput,
  GetBucketReplicationProgressOutput
> = {
  name: 'GetBucketReplicationProgress',
  serialize(input) {
    return {
      method: 'GET',
      bucket: input.bucket,
      query:
        input.ruleId === undefined
          ? [['replicationProgress', null]]
          : [
              ['replicationProgress', null],
              ['rule-id', input.ruleId],
            ],
      headers: {},
    };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'ReplicationProgress');
    return {
      requestId: requestIdOf(response),
      rules: children(root, 'Rule').map(ruleProgressFromXml),
    };
  },
};
