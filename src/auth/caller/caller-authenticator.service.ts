import { hash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import { AUTH_CLOCK, type Clock } from '../clock.js';
import type { PrincipalsSnapshot } from '../principals/principal.js';
import { isSubjectLike, MAX_SUBJECT_LENGTH } from '../principals/principals-file.js';
import { PrincipalsStore } from '../principals/principals-store.js';
import type { Caller } from './caller.js';
import { type PresentedCredential, presentedCredential } from './credentials.js';
import { JwtVerifier, TokenRejected } from './jwt-verifier.js';

function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorCode.Unauthenticated, message);
}

/**
 * When a caller may try again after the identity provider's key set could not be fetched: each
 * request fetches it again (a failure is not cached), so a few seconds is enough.
 */
const IDENTITY_PROVIDER_RETRY_AFTER_SECONDS = 5;

function claimGroups(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.split(/[\s,]+/).filter(Boolean);
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Turns the credentials of a request into a Caller: an API key (looked up by the sha256 of the
 * secret, digest compared in constant time) or a JWT (verified with jose; its `principalClaim` acts
 * as a listed principal only through the file's JWT subject mapping — `jwtSubjects`, or a user
 * principal's own id — and any other subject is a user with the policies of its `groupsClaim` groups
 * that exist in the file). Failures are 401 `Unauthenticated` and never echo the credential; a key set that
 * cannot be fetched is the identity provider's failure, 503 `IdentityProviderUnavailable`.
 *
 * One request authenticates once: the result (or failure) is memoised per request, so the many field
 * resolvers of one GraphQL query share it.
 */
@Injectable()
export class CallerAuthenticator {
  private readonly logger = new Logger('Authentication');
  private readonly inFlight = new WeakMap<object, Promise<Caller>>();
  private readonly jwt = new JwtVerifier();
  /**
   * API-key callers resolved per principals snapshot, by key digest: a reload brings a new snapshot
   * and so an empty cache. Only the Caller is reused; the digest is still computed and compared in
   * constant time for every request.
   */
  private readonly apiKeyCallers = new WeakMap<PrincipalsSnapshot, Map<string, Caller>>();

  constructor(
    private readonly principals: PrincipalsStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The caller of the request, cached on `req.gateway.caller`: at once for an API key (or a caller
   * already known), a promise for a JWT. Bad credentials throw (or, for a JWT, reject with) the 401.
   */
  authenticate(req: GatewayRequest): Caller | Promise<Caller> {
    const cached = req.gateway?.caller as Caller | undefined;
    if (cached) {
      return cached;
    }
    const pending = this.inFlight.get(req);
    if (pending) {
      return pending;
    }
    const remember = (caller: Caller): Caller => {
      req.gateway ??= {};
      req.gateway.caller = caller;
      return caller;
    };
    const caller = this.callerOf(req.headers);
    if (!(caller instanceof Promise)) {
      return remember(caller);
    }
    const remembered = caller.then(remember);
    this.inFlight.set(req, remembered);
    return remembered;
  }

  /** Authenticates raw headers against the current principals snapshot (always a promise). */
  async authenticateHeaders(headers: Record<string, string | string[] | undefined>): Promise<Caller> {
    return this.callerOf(headers);
  }

  /** The caller the headers present: at once for anything but a JWT. */
  callerOf(headers: Record<string, string | string[] | undefined>): Caller | Promise<Caller> {
    const snapshot = this.principals.current();
    const credential = presentedCredential(headers);
    return credential.kind === 'jwt'
      ? this.byJwt(snapshot, credential.token)
      : this.byPlainCredential(snapshot, credential);
  }

  /** Everything but a JWT is decided at once: an API key's caller, or the 401 for none/malformed. */
  private byPlainCredential(
    snapshot: PrincipalsSnapshot,
    credential: Exclude<PresentedCredential, { kind: 'jwt' }>,
  ): Caller {
    switch (credential.kind) {
      case 'none':
        throw unauthenticated(
          'Authentication required: send Authorization: Bearer <api key or token> or X-Api-Key.',
        );
      case 'malformed':
        throw unauthenticated(`The credentials are malformed: ${credential.reason}.`);
      case 'api-key':
        return this.byApiKey(snapshot, credential.secret);
    }
  }

  private byApiKey(snapshot: PrincipalsSnapshot, secret: string): Caller {
    // One-shot hash (no Hash object per request); the digest is still compared in constant time.
    const hex = hash('sha256', secret);
    const entry = snapshot.apiKeysByDigest.get(hex);
    if (!entry || !timingSafeEqual(entry.digest, Buffer.from(hex, 'hex'))) {
      throw unauthenticated('The API key is not valid.');
    }
    let callers = this.apiKeyCallers.get(snapshot);
    const known = callers?.get(hex);
    if (known) {
      return known;
    }
    const principal = snapshot.principals.get(entry.principalId);
    if (!principal) {
      throw unauthenticated('The API key is not valid.');
    }
    const caller: Caller = Object.freeze({
      principalId: principal.id,
      type: principal.type,
      keyId: entry.keyId,
      policySet: principal.policySet,
      groups: principal.groups,
      authenticatedBy: 'api-key',
      listed: true,
      ...(principal.rateLimits ? { rateLimits: principal.rateLimits } : {}),
    });
    if (!callers) {
      callers = new Map();
      this.apiKeyCallers.set(snapshot, callers);
    }
    callers.set(hex, caller);
    return caller;
  }

  private async byJwt(snapshot: PrincipalsSnapshot, token: string): Promise<Caller> {
    const settings = snapshot.jwt;
    if (!settings) {
      throw unauthenticated('The bearer credential is not valid.');
    }
    let payload;
    try {
      payload = await this.jwt.verify(token, settings, this.clock());
    } catch (error) {
      if (error instanceof TokenRejected) {
        if (error.keySetUnavailable) {
          // The identity provider is at fault, not the caller: a 401 would make portals log users out.
          this.logger.warn(`JWT key set ${settings.jwksUrl ?? ''} is unavailable: ${error.message}`);
          throw new DomainError(
            ErrorCode.IdentityProviderUnavailable,
            'The identity provider cannot be reached to verify the bearer token; try again shortly.',
            { retryAfterSeconds: IDENTITY_PROVIDER_RETRY_AFTER_SECONDS },
          );
        }
        throw unauthenticated(`The bearer token is not valid: ${error.message}.`);
      }
      throw error;
    }
    const subject = payload[settings.principalClaim];
    if (typeof subject !== 'string' || subject === '') {
      throw unauthenticated(`The bearer token is not valid: it has no "${settings.principalClaim}" claim.`);
    }
    if (!isSubjectLike(subject)) {
      throw unauthenticated(
        `The bearer token is not valid: its "${settings.principalClaim}" claim must be 1-${MAX_SUBJECT_LENGTH} characters without control characters or surrounding whitespace.`,
      );
    }
    // JWT subjects live in their own namespace: only the file's mapping makes one a listed principal.
    const mapped = snapshot.jwtSubjects.get(subject);
    const listed = mapped === undefined ? undefined : snapshot.principals.get(mapped);
    if (listed) {
      return {
        principalId: listed.id,
        type: listed.type,
        policySet: listed.policySet,
        groups: listed.groups,
        authenticatedBy: 'jwt',
        listed: true,
        ...(listed.rateLimits ? { rateLimits: listed.rateLimits } : {}),
      };
    }
    const fromToken = settings.groupsClaim ? claimGroups(payload[settings.groupsClaim]) : [];
    const { groups, policySet } = snapshot.policiesOfGroups(fromToken);
    return { principalId: subject, type: 'user', policySet, groups, authenticatedBy: 'jwt', listed: false };
  }
}
