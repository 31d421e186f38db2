import type { RateLimitOverrides } from '../../request/rate-limit/rate-limit-config.js';
import { compilePolicies, type CompiledPolicySet, type PolicyDocument } from '../ram/index.js';

export type PrincipalType = 'service' | 'user' | 'role';
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['service', 'user', 'role'];

/** A policy bound to a principal or group: its name (as reported in decisions) and its document. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface PrincipalEntry {
  readonly id: string;
  readonly type: PrincipalType;
  readonly groups: readonly string[];
  /** Direct policies, then the groups' policies; each name once. */
  readonly policies: readonly NamedPolicy[];
  readonly policySet: CompiledPolicySet;
  /** The principal's own rate limits (principals file `rateLimits`); other classes use GATEWAY_RATE_LIMITS. */
  readonly rateLimits?: RateLimitOverrides;
}

export interface ApiKeyEntry {
  /** Public id: appears in audit events and as `acs:AccessId`. */
  readonly keyId: string;
  readonly principalId: string;
  /** sha256 of the secret (32 bytes). */
  readonly digest: Buffer;
  /** The file gave the secret in plain text (development only). */
  readonly plainSecret: boolean;
}

export interface GroupEntry {
  readonly name: string;
  readonly policies: readonly NamedPolicy[];
}

export interface JwtSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwksUrl?: string;
  /** SPKI PEM. */
  readonly publicKey?: string;
  /**
   * The algorithms a token may use: the file's `algorithms` (or every asymmetric algorithm), narrowed
   * to those the static `publicKey` verifies. With a JWKS URL, jose also pins each key set member to
   * the algorithms of its `kty`/`crv`/`alg`.
   */
  readonly algorithms: readonly string[];
  readonly principalClaim: string;
  readonly groupsClaim?: string;
  readonly clockToleranceSeconds: number;
  /** The longest lifetime a token may have (`jwt.maxLifetime`, default 24 h). */
  readonly maxLifetimeSeconds: number;
}

const GROUP_SET_CACHE_LIMIT = 1024;

/**
 * One immutable, validated view of the principals file with every policy set compiled. Requests keep
 * the snapshot they started with; a reload swaps in a new one atomically.
 */
export class PrincipalsSnapshot {
  private readonly groupSets = new Map<string, CompiledPolicySet>();

  constructor(
    readonly principals: ReadonlyMap<string, PrincipalEntry>,
    readonly apiKeysByDigest: ReadonlyMap<string, ApiKeyEntry>,
    readonly groups: ReadonlyMap<string, GroupEntry>,
    readonly jwt: JwtSettings | undefined,
    /** sha256 of the file text (identifies the version in logs). */
    readonly fingerprint: string,
    readonly loadedAt: Date,
    /**
     * JWT subject → the listed principal it acts as: the subjects a principal names in `jwtSubjects`,
     * and a `user` principal without `jwtSubjects` under its own id. No other subject maps to a
     * listed principal (JWT subjects live in their own namespace, DESIGN §9).
     */
    readonly jwtSubjects: ReadonlyMap<string, string> = new Map(),
  ) {}

  static empty(now = new Date()): PrincipalsSnapshot {
    return new PrincipalsSnapshot(new Map(), new Map(), new Map(), undefined, 'none', now);
  }

  /**
   * The policies of the named groups that exist in the file (for JWT callers not listed as principals).
   * Unknown group names are dropped. Compiled sets are memoised per group combination.
   */
  policiesOfGroups(names: readonly string[]): { groups: string[]; policySet: CompiledPolicySet } {
    const groups = [...new Set(names.filter((n) => this.groups.has(n)))].sort();
    const key = groups.join('\n');
    let policySet = this.groupSets.get(key);
    if (!policySet) {
      policySet = compilePolicies(dedupe(groups.flatMap((g) => this.groups.get(g)!.policies)));
      if (this.groupSets.size >= GROUP_SET_CACHE_LIMIT) {
        this.groupSets.delete(this.groupSets.keys().next().value!);
      }
      this.groupSets.set(key, policySet);
    }
    return { groups, policySet };
  }
}

/** Keeps the first policy of each name. */
export function dedupe(policies: readonly NamedPolicy[]): NamedPolicy[] {
  const seen = new Set<string>();
  return policies.filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
}
