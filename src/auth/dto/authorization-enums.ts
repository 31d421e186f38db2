import { registerEnumType } from '@nestjs/graphql';

/** The outcome of a RAM evaluation. REST carries the values (`Allow`); GraphQL the names (`ALLOW`). */
export enum AuthorizationDecision {
  ALLOW = 'Allow',
  IMPLICIT_DENY = 'ImplicitDeny',
  EXPLICIT_DENY = 'ExplicitDeny',
}

export enum PolicyEffect {
  ALLOW = 'Allow',
  DENY = 'Deny',
}

export enum PrincipalKind {
  SERVICE = 'service',
  USER = 'user',
  ROLE = 'role',
}

export enum AuthenticationMethodKind {
  API_KEY = 'api-key',
  JWT = 'jwt',
}

registerEnumType(AuthorizationDecision, {
  name: 'AuthorizationDecision',
  description:
    'Outcome of evaluating RAM policies: an explicit Deny beats any Allow; no match is an implicit deny.',
  valuesMap: {
    ALLOW: { description: 'At least one statement allows and none denies.' },
    IMPLICIT_DENY: { description: 'No statement allows (deny by default).' },
    EXPLICIT_DENY: { description: 'A Deny statement matches.' },
  },
});
registerEnumType(PolicyEffect, {
  name: 'PolicyEffect',
  description: 'The Effect of a policy statement.',
});
registerEnumType(PrincipalKind, {
  name: 'PrincipalType',
  description: 'What kind of caller a principal is.',
});
registerEnumType(AuthenticationMethodKind, {
  name: 'AuthenticationMethod',
  description: 'How the caller authenticated.',
  valuesMap: {
    API_KEY: { description: 'An API key (Authorization: Bearer or X-Api-Key).' },
    JWT: { description: 'A JWT from the configured identity provider.' },
  },
});
