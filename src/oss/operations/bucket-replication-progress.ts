import { OssClientError } from '../errors.js';
import type { GetBucketReplicationProgressOutput } from '../models/replication.js';
import { childElement, childText, parseXml } from '../xml/xml-codec.js';
import type { OssOperation } from './operation.js';
import { requestIdOf } from './operation.js';
import { ruleFromXml } from './replication-rule.codec.js';

export interface GetBucketReplicationProgressInput {
  bucket: string;
  ruleId: string;
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

/** `GET /?replicationProgress&rule-id=…` → root `ReplicationProgress` with one `Rule`. */
export const GetBucketReplicationProgress: OssOperation<
  GetBucketReplicationProgressInput,
  GetBucketReplicationProgressOutput
> = {
  name: 'GetBucketReplicationProgress',
  serialize(input) {
    return {
      method: 'GET',
      bucket: input.bucket,
      query: [
        ['replicationProgress', null],
        ['rule-id', input.ruleId],
      ],
      headers: {},
    };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'ReplicationProgress');
    const ruleNode = childElement(root, 'Rule');
    if (!ruleNode) {
      throw new OssClientError('MalformedResponse', 'ReplicationProgress: missing <Rule>');
    }
    const progress = childElement(ruleNode, 'Progress');
    const historical = childText(progress, 'HistoricalObject');
    const newObject = childText(progress, 'NewObject');
    return {
      requestId: requestIdOf(response),
      rule: ruleFromXml(ruleNode),
      historicalObjectProgress: historical ? parseFraction(historical) : null,
      newObjectsReplicatedUntil: newObject ? parseOssTimestamp(newObject) : null,
    };
  },
};
