import type { CredentialsSource } from '../credentials/credentials-provider.js';
import { resolveCredentials } from '../credentials/credentials-provider.js';
import type { ClockSkew } from '../retry/clock-skew.js';
import type { Signer } from '../signer/signer.js';
import type { Middleware, OssLogger } from './pipeline.js';

export interface SignMiddlewareOptions {
  signer: Signer;
  credentials: CredentialsSource;
  clock: ClockSkew;
  userAgent: string;
  logger?: OssLogger;
}

/** Signs a fresh copy of the request headers on every attempt, with the skew-corrected time. */
export function signMiddleware(options: SignMiddlewareOptions): Middleware {
  return (next) => async (ctx) => {
    const credentials = await resolveCredentials(options.credentials);
    const headers: Record<string, string> = { 'User-Agent': options.userAgent, ...ctx.spec.headers };
    const debug = options.signer.sign(
      { method: ctx.spec.method, bucket: ctx.spec.bucket, key: ctx.spec.key, query: ctx.spec.query, headers },
      { credentials, region: ctx.region, now: options.clock.now() },
    );
    options.logger?.debug('oss request signed', {
      attempt: ctx.attempt,
      signatureVersion: options.signer.version,
      stringToSign: debug.stringToSign,
      canonicalRequest: debug.canonicalRequest,
    });
    return next({ ...ctx, headers });
  };
}
