import { createHash } from 'node:crypto';

/** A caller of the embedded demo: its principal id, fixed API key and what it may do. */
export interface DemoCaller {
  principal: 'admin' | 'viewer' | 'rtc-operator';
  /** The key's public id (audit trail, `acs:AccessId`). */
  keyId: string;
  /** The API key secret, fixed and documented so the README's examples work verbatim. */
  apiKey: string;
  description: string;
}

/** The bucket the rtc-operator may change RTC on. */
export const DEMO_RTC_BUCKET = 'demo-source';

export const DEMO_CALLERS: readonly DemoCaller[] = Object.freeze([
  {
    principal: 'admin',
    keyId: 'demo-admin',
    apiKey: 'demo-admin-key',
    description: 'full access (AliyunOSSFullAccess + GatewayAdministratorAccess)',
  },
  {
    principal: 'viewer',
    keyId: 'demo-viewer',
    apiKey: 'demo-viewer-key',
    description: 'read-only replication (oss:GetBucketReplication* on *)',
  },
  {
    principal: 'rtc-operator',
    keyId: 'demo-rtc-operator',
    apiKey: 'demo-rtc-operator-key',
    description: `read-only replication, plus oss:PutBucketRtc on ${DEMO_RTC_BUCKET}`,
  },
]);

function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function keyOf(principal: DemoCaller['principal']): DemoCaller {
  const caller = DEMO_CALLERS.find((c) => c.principal === principal);
  if (!caller) {
    throw new Error(`no demo caller ${principal}`);
  }
  return caller;
}

/**
 * The demo principals file (DESIGN.md §4 format, YAML). Keys are stored as sha256 digests, the
 * production form; only the embedded mode ever writes this file.
 */
export function demoPrincipalsYaml(): string {
  const key = (principal: DemoCaller['principal']): string => {
    const c = keyOf(principal);
    return [`      - id: ${c.keyId}`, `        sha256: "${sha256Hex(c.apiKey)}"   # ${c.apiKey}`].join('\n');
  };
  return `# Demo callers of the embedded mode, written by the gateway at start-up. Not for production:
# the API keys are published in the README. Format: DESIGN.md §4.
policies:
  ReplicationReadOnly:
    Version: "1"
    Statement:
      - Effect: Allow
        Action: ["oss:GetBucketReplication*"]
        Resource: ["*"]
  DemoSourceRtc:
    Version: "1"
    Statement:
      - Effect: Allow
        Action: ["oss:PutBucketRtc"]
        Resource: ["acs:oss:*:*:${DEMO_RTC_BUCKET}"]
principals:
  - id: admin
    type: user
    description: Full access to OSS replication and to the gateway's own operations.
    policies: [AliyunOSSFullAccess, GatewayAdministratorAccess]
    apiKeys:
${key('admin')}
  - id: viewer
    type: user
    description: Reads replication rules, progress and locations; changes nothing.
    policies: [ReplicationReadOnly]
    apiKeys:
${key('viewer')}
  - id: rtc-operator
    type: user
    description: Reads replication; may switch Replication Time Control on ${DEMO_RTC_BUCKET} only.
    policies: [ReplicationReadOnly, DemoSourceRtc]
    apiKeys:
${key('rtc-operator')}
`;
}
