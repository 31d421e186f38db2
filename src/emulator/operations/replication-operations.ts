/** The six replication operations: rules, RTC, destination locations and progress. */
import { ossError } from '../errors.js';
import {
  parseDeleteReplicationBody,
  parsePutReplicationBody,
  parsePutRtcBody,
  replicationConfigurationXml,
  replicationLocationXml,
  replicationProgressXml,
} from '../replication/replication-xml.js';
import type { OperationName } from './routing.js';
import {
  requireBucket,
  xml,
  type OperationContext,
  type OperationHandler,
  type OperationResult,
} from './operation-context.js';

function putBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const input = parsePutReplicationBody(ctx.body);
  const rule = ctx.engine.addRule(bucket, input);
  return { status: 200, headers: { 'x-oss-replication-rule-id': rule.id } };
}

function getBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  if (bucket.rules.length === 0) {
    throw ossError('NoSuchReplicationConfiguration', { BucketName: bucket.name });
  }
  return xml(replicationConfigurationXml(bucket.rules));
}

function getBucketReplicationLocation(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  return xml(replicationLocationXml(ctx.regions.destinations(bucket.region)));
}

/** With `rule-id`: that rule; without: every rule of the bucket, as real OSS answers. */
function getBucketReplicationProgress(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const ruleId = ctx.query.get('rule-id');
  let rules;
  if (ruleId === undefined || ruleId === null || ruleId === '') {
    if (bucket.rules.length === 0) {
      throw ossError('NoSuchReplicationConfiguration', { BucketName: bucket.name });
    }
    rules = bucket.rules;
  } else {
    rules = [ctx.engine.findRule(bucket, ruleId)];
  }
  return xml(replicationProgressXml(rules.map((rule) => ({ rule, progress: ctx.engine.progress(rule) }))));
}

function putBucketRtc(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const { id, enabled } = parsePutRtcBody(ctx.body);
  ctx.engine.setRtc(bucket, id, enabled);
  return { status: 200 };
}

function deleteBucketReplication(ctx: OperationContext): OperationResult {
  const bucket = requireBucket(ctx);
  const id = parseDeleteReplicationBody(ctx.body);
  const outcome = ctx.engine.deleteRule(bucket, id);
  return { status: outcome === 'alreadyClosing' ? 204 : 200 };
}

export const REPLICATION_OPERATIONS = {
  PutBucketReplication: putBucketReplication,
  DeleteBucketReplication: deleteBucketReplication,
  GetBucketReplication: getBucketReplication,
  PutBucketRTC: putBucketRtc,
  GetBucketReplicationLocation: getBucketReplicationLocation,
  GetBucketReplicationProgress: getBucketReplicationProgress,
} satisfies Partial<Record<OperationName, OperationHandler>>;
