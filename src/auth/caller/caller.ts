import type { CompiledPolicySet } from '../ram/index.js';
import type { RateLimitOverrides } from '../../request/rate-limit/rate-limit-config.js';
import type { PrincipalType } from '../principals/principal.js';

export type AuthenticationMethod = 'api-key' | 'jwt';

/** The authenticated caller of one request, with the policy set its decisions use. */
export interface Caller {
  readonly principalId: string;
  readonly type: PrincipalType;
  /** The API key id (public; `acs:AccessId`). Undefined for JWT callers. */
  readonly keyId?: string;
  readonly policySet: CompiledPolicySet;
  readonly groups: readonly string[];
  readonly authenticatedBy: AuthenticationMethod;
  /** Whether the principal is listed in the principals file (false: a JWT user known only by its groups). */
  readonly listed: boolean;
  /** The principal's own rate limits from the principals file (listed principals only). */
  readonly rateLimits?: RateLimitOverrides;
}
