import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { OssClientError } from '../errors.js';
import { DeleteBucketReplication, GetBucketReplication, PutBucketReplication } from './bucket-replication.js';

describe('PutBucketReplication', () => {
  it('serialises a minimal rule to the golden body with Content-MD5 and sub-resources', () => {
    const spec = PutBucketReplication.serialize({
      bucket: 'examplebucket',
      rule: {
        id: 'rule-1',
        prefixes: ['logs/'],
        destination: { bucket: 'destbucket', location: 'oss-cn-beijing', transferType: 'internal' },
      },
    });
    expect(spec.method).toBe('POST');
    expect(spec.bucket).toBe('examplebucket');
    expect(spec.query).toEqual([
      ['replication', null],
      ['comp', 'add'],
    ]);
    expect(spec.body).toBe(ossFixture('PutBucketReplication', 'request-minimal.xml'));
    // Same MD5 as the derived signing vector for this exact body.
    expect(spec.headers).toEqual({
      'Content-Type': 'application/xml',
      'Content-MD5': 'dDsm/SGSe8kQadGFlkuAYg==',
    });
  });

  it('sends TransferType only when it is given', () => {
    const spec = PutBucketReplication.serialize({
      bucket: 'examplebucket',
      rule: { id: 'rule-1', destination: { bucket: 'destbucket', location: 'oss-cn-beijing' } },
    });
    expect(spec.body).toContain('<Location>oss-cn-beijing</Location></Destination>');
    expect(spec.body).not.toContain('TransferType');
  });

  it('serialises every field of a full rule, normalising the destination location to oss- form', () => {
    const spec = PutBucketReplication.serialize({
      bucket: 'examplebucket',
      rule: {
        id: 'test_replication_1',
        prefixes: ['source1', 'video'],
        action: 'PUT',
        destination: { bucket: 'destbucket', location: 'cn-beijing', transferType: 'oss_acc' },
        historicalObjectReplication: true,
        syncRole: 'aliyunramrole',
        sseKmsEncryptedObjects: true,
        replicaKmsKeyId: 'c4d49f85-ee30-426b-a5ed-95e9139d',
        rtc: { enabled: true },
      },
    });
    expect(spec.body).toBe(ossFixture('PutBucketReplication', 'request-full.xml'));
  });

  it('escapes hostile text in rule fields', () => {
    const spec = PutBucketReplication.serialize({
      bucket: 'examplebucket',
      rule: {
        id: 'a</ID><ID>b',
        prefixes: ['x&y'],
        destination: { bucket: 'd', location: 'oss-cn-beijing' },
      },
    });
    expect(spec.body).toContain('<ID>a&lt;/ID&gt;&lt;ID&gt;b</ID>');
    expect(spec.body).toContain('<Prefix>x&amp;y</Prefix>');
  });

  it('rejects rules that break the documented limits before sending', () => {
    const destination = { bucket: 'd', location: 'oss-cn-beijing' };
    const bad = [
      { id: '', destination },
      { id: 'x'.repeat(256), destination },
      { id: 'r', prefixes: Array.from({ length: 11 }, (_, i) => `p${i}`), destination },
      { id: 'r', prefixes: ['x'.repeat(1024)], destination },
      { id: 'r', destination, sseKmsEncryptedObjects: true },
    ];
    for (const rule of bad) {
      expect(() => PutBucketReplication.serialize({ bucket: 'b', rule })).toThrow(OssClientError);
    }
  });

  it('returns the rule id from x-oss-replication-rule-id, else the id that was sent', () => {
    const input = {
      bucket: 'b',
      rule: { id: 'sent-id', destination: { bucket: 'd', location: 'oss-cn-beijing' } },
    };
    const withHeader = ossResponse('', 200, {
      'x-oss-replication-rule-id': 'b890c26e-907e-4692-b9ac-ec4c11ec****',
    });
    expect(PutBucketReplication.deserialize(withHeader, input)).toEqual({
      requestId: '534B371674E88A4D8906',
      ruleId: 'b890c26e-907e-4692-b9ac-ec4c11ec****',
    });
    expect(PutBucketReplication.deserialize(ossResponse(), input).ruleId).toBe('sent-id');
  });
});

describe('GetBucketReplication', () => {
  it('serialises GET /?replication without a body', () => {
    expect(GetBucketReplication.serialize({ bucket: 'b' })).toEqual({
      method: 'GET',
      bucket: 'b',
      query: [['replication', null]],
      headers: {},
    });
  });

  it('reads the documented single-rule response with explicit conversions', () => {
    const out = GetBucketReplication.deserialize(
      ossResponse(ossFixture('GetBucketReplication', 'response.xml')),
      {
        bucket: 'b',
      },
    );
    expect(out).toEqual({
      requestId: '534B371674E88A4D8906',
      rules: [
        {
          id: 'test_replication_1',
          status: 'doing',
          prefixes: ['source1', 'video'],
          action: 'PUT',
          destination: { bucket: 'destbucket', location: 'oss-cn-beijing', transferType: 'oss_acc' },
          historicalObjectReplication: true,
          syncRole: 'aliyunramrole',
          rtc: { status: 'enabled' },
        },
      ],
    });
  });

  it('reads several rules and applies OSS defaults for absent elements', () => {
    const out = GetBucketReplication.deserialize(
      ossResponse(ossFixture('GetBucketReplication', 'response-two-rules.xml')),
      { bucket: 'b' },
    );
    expect(out.rules).toHaveLength(2);
    expect(out.rules[0]).toEqual({
      id: 'rule-a',
      status: 'starting',
      prefixes: [],
      action: 'ALL',
      destination: { bucket: 'dest-a', location: 'oss-cn-beijing', transferType: 'internal' },
      historicalObjectReplication: false,
      syncRole: 'acs:ram::174649585760****:role/aliyunramrole',
      sseKmsEncryptedObjects: true,
      replicaKmsKeyId: 'c4d49f85-ee30-426b-a5ed-95e9139d',
    });
    expect(out.rules[1]).toMatchObject({ id: 'rule-b', status: 'closing', prefixes: ['logs/'] });
    expect(out.rules[1].rtc).toBeUndefined();
  });

  it('reads an empty configuration as no rules', () => {
    expect(
      GetBucketReplication.deserialize(ossResponse('<ReplicationConfiguration/>'), { bucket: 'b' }).rules,
    ).toEqual([]);
  });

  it('rejects a 200 whose body is not a ReplicationConfiguration', () => {
    const body = '<?xml version="1.0"?><Rule><ID>x</ID></Rule>';
    expect(() => GetBucketReplication.deserialize(ossResponse(body), { bucket: 'b' })).toThrow(
      expect.objectContaining({ code: 'UnexpectedRoot' }),
    );
  });

  it('rejects a rule without destination or with an unknown HistoricalObjectReplication value', () => {
    const noDest = '<ReplicationConfiguration><Rule><ID>x</ID></Rule></ReplicationConfiguration>';
    expect(() => GetBucketReplication.deserialize(ossResponse(noDest), { bucket: 'b' })).toThrow(
      expect.objectContaining({ code: 'MalformedResponse' }),
    );
    const badFlag =
      '<ReplicationConfiguration><Rule><ID>x</ID><Destination><Bucket>d</Bucket><Location>oss-cn-beijing</Location>' +
      '</Destination><HistoricalObjectReplication>maybe</HistoricalObjectReplication></Rule></ReplicationConfiguration>';
    expect(() => GetBucketReplication.deserialize(ossResponse(badFlag), { bucket: 'b' })).toThrow(
      expect.objectContaining({ code: 'MalformedResponse' }),
    );
  });
});

describe('DeleteBucketReplication', () => {
  it('serialises POST /?replication&comp=delete with the golden ReplicationRules body', () => {
    const spec = DeleteBucketReplication.serialize({ bucket: 'examplebucket', ruleId: 'rule-1' });
    expect(spec.method).toBe('POST');
    expect(spec.query).toEqual([
      ['replication', null],
      ['comp', 'delete'],
    ]);
    expect(spec.body).toBe(ossFixture('DeleteBucketReplication', 'request.xml'));
    expect(spec.headers['Content-MD5']).toBe('Aitb/Ch9kxAyB5zOeQftfA==');
  });

  it('reports a 204 as a rule that was already closing', () => {
    const input = { bucket: 'b', ruleId: 'r' };
    expect(DeleteBucketReplication.deserialize(ossResponse('', 200), input).alreadyClosing).toBe(false);
    expect(DeleteBucketReplication.deserialize(ossResponse('', 204), input).alreadyClosing).toBe(true);
  });
});
