import type { BucketPermissions as BucketPermissionsModel } from './authorization.service.js';
import type { Caller } from './caller/caller.js';
import type {
  AuthenticationMethodKind,
  AuthorizationDecision,
  PrincipalKind,
} from './dto/authorization-enums.js';
import type { BucketPermissions, BucketPermissionsResponse } from './dto/bucket-permissions.type.js';
import type { CallerIdentity } from './dto/caller-identity.type.js';

export function toCallerIdentity(caller: Caller): CallerIdentity {
  return {
    id: caller.principalId,
    type: caller.type as PrincipalKind,
    groups: [...caller.groups],
    ...(caller.keyId !== undefined ? { keyId: caller.keyId } : {}),
    authenticatedBy: caller.authenticatedBy as AuthenticationMethodKind,
  };
}

export function toPermissionsResponse(model: BucketPermissionsModel): BucketPermissionsResponse {
  return {
    bucket: model.bucket,
    resource: model.resource,
    actions: Object.fromEntries(model.actions.map((a) => [a.action, a.decision as AuthorizationDecision])),
  };
}

export function toBucketPermissions(model: BucketPermissionsModel): BucketPermissions {
  return {
    bucket: model.bucket,
    resource: model.resource,
    actions: model.actions.map((a) => ({ action: a.action, decision: a.decision as AuthorizationDecision })),
  };
}
