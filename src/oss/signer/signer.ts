import type { SignableRequest, SignOptions } from './types.js';
import { signV1Header } from './v1.js';
import { signV4Header } from './v4.js';

export type SignatureVersion = 'v4' | 'v1';

/** What a signer reports about the signature it just made (for debug logging only: no secrets). */
export interface SignDebug {
  stringToSign: string;
  canonicalRequest?: string;
}

/** Signs a request in place (adds the date, token and Authorization headers). */
export interface Signer {
  readonly version: SignatureVersion;
  sign(req: SignableRequest, opts: SignOptions): SignDebug;
}

/** `OSS4-HMAC-SHA256` header signing (the default). */
export class V4Signer implements Signer {
  readonly version = 'v4' as const;

  sign(req: SignableRequest, opts: SignOptions): SignDebug {
    const { stringToSign, canonicalRequest } = signV4Header(req, opts);
    return { stringToSign, canonicalRequest };
  }
}

/** Legacy `OSS ak:signature` header signing. */
export class V1Signer implements Signer {
  readonly version = 'v1' as const;

  sign(req: SignableRequest, opts: SignOptions): SignDebug {
    const { stringToSign } = signV1Header(req, opts);
    return { stringToSign };
  }
}

export function createSigner(version: SignatureVersion): Signer {
  return version === 'v1' ? new V1Signer() : new V4Signer();
}
