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

function reasonOf(error: unknown): TokenRejected {
  if (error instanceof errors.JWTExpired) {
    return new TokenRejected('the token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejected(`the token's "${error.claim}" claim is not accepted`);
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
 * The remote key set, with every failure to fetch it (unreachable, timeout, a non-200 answer, a body
 * that is no key set) told apart from a token no published key matches: jose reports a non-200
 * answer as a plain JOSEError, like a malformed token.
 */
function fetchFailuresMarked(keySet: RemoteKeySet): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new TokenRejected('the identity provider key set cannot be fetched', true);
    }
  };
}

/**
 * Verifies JWTs against the principals file's `jwt` settings with jose: signature (a JWKS URL, fetched
 * and cached by jose's remote key set, or a static SPKI public key), issuer, audience, expiry and
 * not-before with the configured clock tolerance. Key sets are kept across principals-file reloads as
 * long as the URL stays the same.
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
      ...(settings.algorithms ? { algorithms: [...settings.algorithms] } : {}),
    };
    try {
      if (settings.jwksUrl !== undefined) {
        const { payload } = await jwtVerify(
          token,
          fetchFailuresMarked(this.remoteSet(settings.jwksUrl)),
          options,
        );
        return payload;
      }
      const { payload } = await jwtVerify(token, this.staticKey(settings.publicKey!), options);
      return payload;
    } catch (error) {
      throw error instanceof TokenRejected ? error : reasonOf(error);
    }
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
