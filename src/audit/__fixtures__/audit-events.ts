import type { AuditEvent, AuditEventInput } from '../audit-event.js';
import { bucketFromResource } from '../audit-event.js';
import { AuditEventIdGenerator } from '../audit-event-id.js';

const ids = new AuditEventIdGenerator();

/** A decision event as the guard records it; override any field. */
export function decisionInput(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    time: new Date('2025-05-01T12:00:00.000Z'),
    requestId: 'req-1',
    transport: 'http',
    kind: 'decision',
    principal: 'billing-service',
    keyId: 'billing-1',
    sourceIp: '10.0.0.7',
    userAgent: 'billing-client/1.2',
    action: 'oss:PutBucketRtc',
    resource: 'acs:oss:cn-hangzhou:1234567890123456:source-bucket',
    decision: 'Allow',
    matchedStatements: [{ policy: 'ReplicationAdmin', statement: 0, sid: 'AllowRtc', effect: 'Allow' }],
    dryRun: false,
    ...overrides,
  };
}

/** An OSS call event as the OSS adapter records it. */
export function ossCallInput(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    time: new Date('2025-05-01T12:00:00.150Z'),
    requestId: 'req-1',
    transport: 'graphql',
    kind: 'oss-call',
    principal: 'billing-service',
    action: 'oss:PutBucketRtc',
    resource: 'acs:oss:cn-hangzhou:1234567890123456:source-bucket',
    operation: 'PutBucketRTC',
    outcomeStatus: 409,
    ossRequestId: '5C3D9175B6FC201293AD****',
    ossErrorCode: 'ReplicationRuleNotFound',
    latencyMs: 12.5,
    dryRun: false,
    ...overrides,
  };
}

/** A stored event (id + bucket) built from an input. */
export function storedEvent(input: AuditEventInput): AuditEvent {
  const bucket = bucketFromResource(input.resource);
  return { ...input, id: ids.next(), ...(bucket !== undefined ? { bucket } : {}) };
}
