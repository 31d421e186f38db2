import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtSettings } from '../principals/principal.js';

/** Why a token was refused; safe to show to the caller (never contains the token). */
export class TokenRejected extends Error {
  constructor(
    message: string,
    /** True when the key set could not be fetched (the IdP, not the caller, is at fault). */
    readonly keySetUnavailable = false,
  ) {
    super(message);
    this.name = 'TokenRejected';
  }
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** What is wrong with a token, from jose's error (every jose error is the token's fault here). */
function reasonOf(error: unknown): TokenRejected {
  if (error instanceof errors.JWTExpired) {
    return new TokenRejected('the token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejected(
      error.reason === 'missing'
        ? `the token has no "${error.claim}" claim`
        : `the token's "${error.claim}" claim is not accepted`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected('the token signature is not valid');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenRejected('the token algorithm is not accepted');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected('no key of the identity provider matches the token');
  }
  if (error instanceof errors.JOSEError) {
    return new TokenRejected('the token is malformed');
  }
  throw error;
}

/**
 * Whether an error of the remote key set means it could not be fetched: a timeout, a body that is no
 * key set, a non-200 answer or a body that is not JSON (jose reports both as a bare JOSEError), a
 * network error (undici's `TypeError: fetch failed`), or a published key that cannot be imported.
 * The errors a token causes are jose's specific ones: an algorithm no key set member has (HS256,
 * `none`: JOSENotSupported), or no / several matching keys.
 */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return true;
  }
  if (error instanceof errors.JOSEError) {
    return error.constructor === errors.JOSEError;
  }
  return true;
}

/** The remote key set, with its fetch failures told apart from tokens it has no key for. */
function fetchFailuresMarked(keySet: RemoteKeySet): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (isKeySetFailure(error)) {
        throw new TokenRejected('the identity provider key set cannot be fetched', true);
      }
      throw error;
    }
  };
}

/**
 * The lifetime rule of DESIGN §9: a token's lifetime is `exp - iat`, and never less than what is
 * left of it (`exp - now`), so a token without `iat` (or with an `iat` in the future) cannot outlive
 * `jwt.maxLifetime` either. The clock tolerance applies, as it does to `exp` and `nbf`.
 */
function checkLifetime(payload: JWTPayload, settings: JwtSettings, now: Date): void {
  const exp = payload.exp!;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const from = payload.iat === undefined ? nowSeconds : Math.min(payload.iat, nowSeconds);
  if (exp - from > settings.maxLifetimeSeconds + settings.clockToleranceSeconds) {
    throw new TokenRejected(
      `the token's lifetime is longer than the ${settings.maxLifetimeSeconds} s this gateway accepts`,
    );
  }
}

/**
 * Verifies JWTs against the principals file's `jwt` settings with jose: signature (a JWKS URL, fetched
 * and cached by jose's remote key set, or a static SPKI public key), algorithms pinned to the key
 * type (asymmetric only; see jwt-algorithms.ts), issuer, audience, `exp` required, expiry and
 * not-before with the configured clock tolerance, and the lifetime bound. Key sets are kept across
 * principals-file reloads as long as the URL stays the same.
 */
export class JwtVerifier {
  private readonly remoteSets = new Map<string, RemoteKeySet>();
  private readonly staticKeys = new Map<string, KeyObject>();

  async verify(token: string, settings: JwtSettings, now: Date): Promise<JWTPayload> {
    const options = {
      issuer: settings.issuer,
      audience: [...settings.audience],
      clockTolerance: settings.clockToleranceSeconds,
      currentDate: now,
      // Checked on the header before any key is looked up: HS*, `none` and the like never get further.
      algorithms: [...settings.algorithms],
      requiredClaims: ['exp'],
    };
    let payload: JWTPayload;
    try {
      ({ payload } =
        settings.jwksUrl !== undefined
          ? await jwtVerify(token, fetchFailuresMarked(this.remoteSet(settings.jwksUrl)), options)
          : await jwtVerify(token, this.staticKey(settings.publicKey!), options));
    } catch (error) {
      throw error instanceof TokenRejected ? error : reasonOf(error);
    }
    checkLifetime(payload, settings, now);
    return payload;
  }

  private remoteSet(url: string): RemoteKeySet {
    let set = this.remoteSets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), {
        timeoutDuration: 5_000,
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
      });
      this.remoteSets.set(url, set);
    }
    return set;
  }

  private staticKey(pem: string): KeyObject {
    let key = this.staticKeys.get(pem);
    if (!key) {
      key = createPublicKey(pem);
      this.staticKeys.set(pem, key);
    }
    return key;
  }
}
