import { registerEnumType } from '@nestjs/graphql';

/**
 * GraphQL names are UPPER_CASE; the values (REST JSON, storage) are the spellings below. A decision
 * and a statement's effect use the authorization enums (`AuthorizationDecision`, `PolicyEffect`).
 */
export enum AuditTransport {
  HTTP = 'http',
  GRAPHQL = 'graphql',
}

export enum AuditEventKind {
  DECISION = 'decision',
  OSS_CALL = 'oss-call',
}

registerEnumType(AuditTransport, {
  name: 'AuditTransport',
  description: 'The API the request came through.',
  valuesMap: { HTTP: { description: 'The REST API.' }, GRAPHQL: { description: 'The GraphQL API.' } },
});
registerEnumType(AuditEventKind, {
  name: 'AuditEventKind',
  description: 'What an audit event records.',
  valuesMap: {
    DECISION: { description: 'An authorization decision taken by the gateway.' },
    OSS_CALL: { description: 'A call the gateway forwarded to OSS, with its outcome.' },
  },
});
