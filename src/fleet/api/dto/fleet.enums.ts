import { registerEnumType } from '@nestjs/graphql';

/*
 * The fleet's value sets, shared by both transports: the VALUES are the REST strings (`"catching_up"`)
 * and the KEYS the GraphQL enum names (`CATCHING_UP`), as in replication.enums.ts.
 */

/** DESIGN §11 `ReplicationHealth.state` (the values of `HEALTH_STATES`). */
export enum HealthStateEnum {
  STARTING = 'starting',
  CATCHING_UP = 'catching_up',
  HEALTHY = 'healthy',
  LAGGING = 'lagging',
  STALLED = 'stalled',
  CLOSING = 'closing',
  UNKNOWN = 'unknown',
}

/** What a progress sample saw of a rule: OSS's status, or `gone` when the rule no longer existed. */
export enum SampleStatusEnum {
  STARTING = 'starting',
  DOING = 'doing',
  CLOSING = 'closing',
  GONE = 'gone',
}

registerEnumType(HealthStateEnum, {
  name: 'HealthState',
  description: 'How a replication rule is doing, judged from its stored progress samples.',
  valuesMap: {
    STARTING: { description: 'OSS is setting the rule up (status starting).' },
    CATCHING_UP: { description: 'Historical replication is progressing.' },
    HEALTHY: { description: 'New objects replicate within the lag threshold.' },
    LAGGING: {
      description: 'New objects are further behind than GATEWAY_LAG_THRESHOLD_SECONDS (600 s for RTC rules).',
    },
    STALLED: {
      description: 'Neither the historical fraction nor the watermark moved for GATEWAY_STALL_AFTER_SECONDS.',
    },
    CLOSING: { description: 'The rule is being deleted, or no longer exists.' },
    UNKNOWN: { description: 'No sample yet, sampling errors, or samples too old to judge by.' },
  },
});

registerEnumType(SampleStatusEnum, {
  name: 'SampleStatus',
  description: 'The rule status a progress sample saw.',
  valuesMap: {
    STARTING: { description: 'OSS status starting.' },
    DOING: { description: 'OSS status doing.' },
    CLOSING: { description: 'OSS status closing.' },
    GONE: { description: 'The rule (or its bucket) no longer existed.' },
  },
});
