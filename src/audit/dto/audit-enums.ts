import { registerEnumType } from '@nestjs/graphql';

/** GraphQL names are UPPER_CASE; the values (REST JSON, storage) are the RAM spellings. */
export enum AuditDecision {
  ALLOW = 'Allow',
  IMPLICIT_DENY = 'ImplicitDeny',
  EXPLICIT_DENY = 'ExplicitDeny',
}

export enum AuditTransport {
  HTTP = 'http',
  GRAPHQL = 'graphql',
}

export enum AuditEventKind {
  DECISION = 'decision',
  OSS_CALL = 'oss-call',
}

export enum AuditStatementEffect {
  ALLOW = 'Allow',
  DENY = 'Deny',
}

registerEnumType(AuditDecision, {
  name: 'AuditDecision',
  description: 'The outcome of an authorization decision.',
  valuesMap: {
    ALLOW: { description: 'A statement allowed the action and none denied it.' },
    IMPLICIT_DENY: { description: 'No statement allowed the action (the default).' },
    EXPLICIT_DENY: { description: 'A Deny statement matched; it beats any Allow.' },
  },
});
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
registerEnumType(AuditStatementEffect, {
  name: 'AuditStatementEffect',
  description: 'The effect of a policy statement.',
  valuesMap: { ALLOW: { description: 'Allow.' }, DENY: { description: 'Deny.' } },
});
