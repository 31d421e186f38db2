import { registerEnumType } from '@nestjs/graphql';

/*
 * One enum per value set, shared by both transports: the VALUES are the REST strings
 * (`"internal"`, `"starting"`, …) and the KEYS are the GraphQL enum names (`INTERNAL`, `STARTING`).
 */

export enum ReplicationRuleStatusEnum {
  STARTING = 'starting',
  DOING = 'doing',
  CLOSING = 'closing',
}

export enum ReplicationActionEnum {
  ALL = 'ALL',
  PUT = 'PUT',
}

export enum TransferTypeEnum {
  INTERNAL = 'internal',
  OSS_ACC = 'oss_acc',
}

export enum RtcStatusEnum {
  ENABLING = 'enabling',
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}

/** The severities a dry-run plan can show (pre-flight errors refuse the request instead). */
export enum PreflightSeverityEnum {
  WARNING = 'warning',
  INFO = 'info',
}

registerEnumType(ReplicationRuleStatusEnum, {
  name: 'ReplicationRuleStatus',
  description:
    'Task state of a rule: `starting` (being set up), `doing` (replicating), `closing` (being deleted).',
  valuesMap: {
    STARTING: { description: 'The rule was just created; OSS is setting up the replication task.' },
    DOING: { description: 'The rule is effective and replicating.' },
    CLOSING: { description: 'The rule was deleted; OSS is cleaning up the task. It disappears afterwards.' },
  },
});

registerEnumType(ReplicationActionEnum, {
  name: 'ReplicationAction',
  description: 'Which source operations are replicated.',
  valuesMap: {
    ALL: { description: 'Writes, deletes and multipart aborts (OSS default).' },
    PUT: { description: 'Writes only; deletes in the source are not propagated.' },
  },
});

registerEnumType(TransferTypeEnum, {
  name: 'TransferType',
  description: 'The link OSS uses to copy data.',
  valuesMap: {
    INTERNAL: { description: 'The default OSS transfer link.' },
    OSS_ACC: {
      description:
        'Transfer acceleration (cross-region only; required between the Chinese mainland and elsewhere).',
    },
  },
});

registerEnumType(RtcStatusEnum, {
  name: 'RtcStatus',
  description: 'Replication time control state as OSS reports it.',
  valuesMap: {
    ENABLING: { description: 'Requested; not yet effective (e.g. historical replication still running).' },
    ENABLED: { description: 'Effective: 99.99 % of new objects replicated within 10 minutes.' },
    DISABLED: { description: 'Off.' },
  },
});

registerEnumType(PreflightSeverityEnum, {
  name: 'PreflightSeverity',
  description: 'How much a pre-flight finding of a dry-run plan matters; neither stops the request.',
  valuesMap: {
    WARNING: {
      description: 'Something pre-flight could not check (OSS checks it when the request is sent).',
    },
    INFO: { description: 'A choice pre-flight made for the caller (e.g. the transfer type).' },
  },
});
