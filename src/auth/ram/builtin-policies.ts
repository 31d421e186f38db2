import type { PolicyDocument } from './types.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }
  return value;
}

/** Full management of OSS: `oss:*` on `*`. */
export const AliyunOSSFullAccess: PolicyDocument = deepFreeze({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: ['*'] }],
});

/** Read-only OSS, as the RAM system policy: `oss:Get*`, `oss:List*` on `*`. */
export const AliyunOSSReadOnlyAccess: PolicyDocument = deepFreeze({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:Get*', 'oss:List*'], Resource: ['*'] }],
});

/** Every gateway operation: `gateway:*` on `*`. */
export const GatewayAdministratorAccess: PolicyDocument = deepFreeze({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['gateway:*'], Resource: ['*'] }],
});

export const BUILTIN_POLICIES = Object.freeze({
  AliyunOSSFullAccess,
  AliyunOSSReadOnlyAccess,
  GatewayAdministratorAccess,
});
export type BuiltinPolicyName = keyof typeof BUILTIN_POLICIES;

/** Whether a name refers to a built-in policy (exact, case-sensitive). */
export function isBuiltinPolicyName(name: string): name is BuiltinPolicyName {
  return Object.hasOwn(BUILTIN_POLICIES, name);
}
