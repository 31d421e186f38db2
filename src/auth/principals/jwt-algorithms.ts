import type { KeyObject } from 'node:crypto';

/*
 * The JWS algorithms a JWT may be signed with (DESIGN §9 "JWT"): asymmetric signatures only. HMAC
 * (HS*) is never accepted, so a token "signed" with the identity provider's public key as an HMAC
 * secret cannot verify, and `none` is no algorithm at all. Each algorithm is pinned to the key type
 * that can verify it.
 */

const RSA_PKCS1 = ['RS256', 'RS384', 'RS512'] as const;
const RSA_PSS = ['PS256', 'PS384', 'PS512'] as const;
const ECDSA_BY_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
const ED25519 = ['EdDSA', 'Ed25519'] as const;

/** Every algorithm the gateway verifies: RS*, PS* (RSA), ES256/384/512 (EC P-256/384/521), EdDSA (Ed25519). */
export const JWT_ALGORITHMS: readonly string[] = [
  ...RSA_PKCS1,
  ...RSA_PSS,
  ...Object.values(ECDSA_BY_CURVE),
  ...ED25519,
];

/** The smallest RSA modulus jose verifies with (and the gateway accepts as `jwt.publicKey`). */
export const MIN_RSA_KEY_BITS = 2048;

/**
 * The algorithms a public key verifies: RS* and PS* for an RSA key, PS* for an RSA-PSS key, the one
 * ES algorithm of an EC key's curve, EdDSA for an Ed25519 key; none for any other key.
 */
export function algorithmsForKey(key: KeyObject): readonly string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return [...RSA_PKCS1, ...RSA_PSS];
    case 'rsa-pss':
      return RSA_PSS;
    case 'ec': {
      const alg = ECDSA_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg ? [alg] : [];
    }
    case 'ed25519':
      return ED25519;
    // Ed448 has no JWS algorithm jose verifies; the others are not signature keys.
    case 'ed448':
    case 'dsa':
    case 'x25519':
    case 'x448':
    case undefined:
      return [];
  }
  // A key type Node adds later.
  return [];
}
