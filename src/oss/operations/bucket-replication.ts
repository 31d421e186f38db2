import type {
  DeleteBucketReplicationOutput,
  GetBucketReplicationOutput,
  PutBucketReplicationOutput,
  ReplicationRuleInput,
} from '../models/replication.js';
import { buildXml, children, parseXml } from '../xml/xml-codec.js';
import type { OssOperation } from './operation.js';
import { requestIdOf, xmlBodyHeaders } from './operation.js';
import { ruleFromXml, ruleToXml, validateRuleInput } from './replication-rule.codec.js';

export interface PutBucketReplicationInput {
  bucket: string;
  /** Exactly one rule; the id must already be chosen (the client generates one when the caller gives none). */
  rule: ReplicationRuleInput & { id: string };
}

/** `POST /?replication&comp=add`, body `<ReplicationConfiguration><Rule>…</Rule></ReplicationConfiguration>`. */
export const PutBucketReplication: OssOperation<PutBucketReplicationInput, PutBucketReplicationOutput> = {
  name: 'PutBucketReplication',
  serialize(input) {
    validateRuleInput(input.rule);
    const body = buildXml('ReplicationConfiguration', { Rule: ruleToXml(input.rule) });
    return {
      method: 'POST',
      bucket: input.bucket,
      query: [
        ['replication', null],
        ['comp', 'add'],
      ],
      headers: xmlBodyHeaders(body),
      body,
    };
  },
  deserialize(response, input) {
    const headerId = response.headers['x-oss-replication-rule-id'];
    return { requestId: requestIdOf(response), ruleId: headerId || input.rule.id };
  },
};

export interface BucketInput {
  bucket: string;
}

/** `GET /?replication` → root `ReplicationConfiguration`, zero or more `Rule`. */
export const GetBucketReplication: OssOperation<BucketInput, GetBucketReplicationOutput> = {
  name: 'GetBucketReplication',
  serialize(input) {
    return { method: 'GET', bucket: input.bucket, query: [['replication', null]], headers: {} };
  },
  deserialize(response) {
    const root = parseXml(response.body, 'ReplicationConfiguration');
    return { requestId: requestIdOf(response), rules: children(root, 'Rule').map(ruleFromXml) };
  },
};

export interface DeleteBucketReplicationInput {
  bucket: string;
  ruleId: string;
}

/** `POST /?replication&comp=delete`, body `<ReplicationRules><ID>…</ID></ReplicationRules>`; 200 or 204 (already closing). */
export const DeleteBucketReplication: OssOperation<
  DeleteBucketReplicationInput,
  DeleteBucketReplicationOutput
> = {
  name: 'DeleteBucketReplication',
  serialize(input) {
    const body = buildXml('ReplicationRules', { ID: input.ruleId });
    return {
      method: 'POST',
      bucket: input.bucket,
      query: [
        ['replication', null],
        ['comp', 'delete'],
      ],
      headers: xmlBodyHeaders(body),
      body,
    };
  },
  deserialize(response) {
    return { requestId: requestIdOf(response), alreadyClosing: response.status === 204 };
  },
};
