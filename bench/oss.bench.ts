import { XMLParser } from 'fast-xml-parser';
import { GetBucketReplication, PutBucketReplication } from '../src/oss/operations/bucket-replication.js';
import type { SignableRequest, SignOptions } from '../src/oss/signer/types.js';
import { signV1Header } from '../src/oss/signer/v1.js';
import { signV4Header } from '../src/oss/signer/v4.js';
import { buildXml, parseXml } from '../src/oss/xml/xml-codec.js';
import { compare, measure, type BenchResult, type MeasureOptions } from './harness.js';

export type { BenchResult } from './harness.js';

/** The documented GetBucketReplication response, with a second rule (about 1.2 KB). */
const GET_REPLICATION_XML = `<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration>
  <Rule>
    <ID>test_replication_1</ID>
    <PrefixSet>
      <Prefix>source1</Prefix>
      <Prefix>video</Prefix>
    </PrefixSet>
    <Action>PUT</Action>
    <Destination>
      <Bucket>destbucket</Bucket>
      <Location>oss-cn-beijing</Location>
      <TransferType>oss_acc</TransferType>
    </Destination>
    <Status>doing</Status>
    <HistoricalObjectReplication>enabled</HistoricalObjectReplication>
    <SyncRole>aliyunramrole</SyncRole>
    <RTC>
      <Status>enabled</Status>
    </RTC>
  </Rule>
  <Rule>
    <ID>test_replication_2</ID>
    <PrefixSet>
      <Prefix>logs/</Prefix>
    </PrefixSet>
    <Action>ALL</Action>
    <Destination>
      <Bucket>destbucket-2</Bucket>
      <Location>oss-us-west-1</Location>
      <TransferType>oss_acc</TransferType>
    </Destination>
    <Status>starting</Status>
    <HistoricalObjectReplication>disabled</HistoricalObjectReplication>
    <SyncRole>acs:ram::174649585760****:role/aliyunramrole</SyncRole>
    <SourceSelectionCriteria>
      <SseKmsEncryptedObjects>
        <Status>Enabled</Status>
      </SseKmsEncryptedObjects>
    </SourceSelectionCriteria>
    <EncryptionConfiguration>
      <ReplicaKmsKeyID>c4d49f85-ee30-426b-a5ed-95e9139d</ReplicaKmsKeyID>
    </EncryptionConfiguration>
  </Rule>
</ReplicationConfiguration>`;

const credentials = {
  accessKeyId: 'LTAI5tExampleAccessKeyId',
  accessKeySecret: 'ExampleAccessKeySecret0123456789abcd',
};
const signOptions: SignOptions = {
  credentials,
  region: 'cn-hangzhou',
  now: new Date(Date.UTC(2025, 3, 17, 15, 39, 12)),
};

function putRequest(): SignableRequest {
  return {
    method: 'POST',
    bucket: 'examplebucket',
    query: [
      ['replication', null],
      ['comp', 'add'],
    ],
    headers: { 'Content-Type': 'application/xml', 'Content-MD5': 'dDsm/SGSe8kQadGFlkuAYg==' },
  };
}

const rule = {
  id: 'rule-1',
  prefixes: ['logs/', 'video/'],
  action: 'ALL' as const,
  destination: { bucket: 'destbucket', location: 'oss-cn-beijing', transferType: 'internal' as const },
  historicalObjectReplication: true,
  syncRole: 'aliyunramrole',
  rtc: { enabled: true },
};

/** OSS client micro-benchmarks: signing, XML parse (vs fast-xml-parser defaults, same run), XML build. */
export async function runOssBench(options: MeasureOptions = {}): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  results.push({
    name: 'oss.sign.v4 (PutBucketReplication headers)',
    opsPerSec: measure('v4', () => signV4Header(putRequest(), signOptions), options),
  });
  results.push({
    name: 'oss.sign.v1 (PutBucketReplication headers)',
    opsPerSec: measure('v1', () => signV1Header(putRequest(), signOptions), options),
  });

  const defaultParser = new XMLParser();
  results.push(
    compare(
      'oss.xml.parse GetBucketReplication (codec: validated, strings, root check)',
      () => parseXml(GET_REPLICATION_XML, 'ReplicationConfiguration'),
      'fast-xml-parser default options',
      () => defaultParser.parse(GET_REPLICATION_XML) as unknown,
      options,
    ),
  );
  const body = Buffer.from(GET_REPLICATION_XML);
  results.push({
    name: 'oss.deserialize GetBucketReplication (parse + typed rules)',
    opsPerSec: measure(
      'deserialize',
      () => GetBucketReplication.deserialize({ status: 200, headers: {}, body }, { bucket: 'b' }),
      options,
    ),
  });
  results.push({
    name: 'oss.xml.build PutBucketReplication body',
    opsPerSec: measure(
      'build',
      () =>
        buildXml('ReplicationConfiguration', {
          Rule: { ID: 'r', Action: 'ALL', PrefixSet: { Prefix: ['a&b', 'c'] } },
        }),
      options,
    ),
  });
  results.push({
    name: 'oss.serialize PutBucketReplication (body + Content-MD5)',
    opsPerSec: measure(
      'serialize',
      () => PutBucketReplication.serialize({ bucket: 'examplebucket', rule }),
      options,
    ),
  });
  return Promise.resolve(results);
}
