/** What a request presents; the secret is never logged or echoed. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'api-key'; secret: string }
  | { kind: 'jwt'; token: string }
  | { kind: 'malformed'; reason: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
const MAX_CREDENTIAL_LENGTH = 16 * 1024;

function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) {
    return value.length === 1 ? value[0] : null;
  }
  return value;
}

/**
 * Reads `Authorization: Bearer <api key | JWT>` or `X-Api-Key: <secret>`. A bearer value made of three
 * dot-separated base64url parts is a JWT; anything else is an API key secret.
 */
export function presentedCredential(
  headers: Record<string, string | string[] | undefined>,
): PresentedCredential {
  const authorization = single(headers.authorization);
  const apiKey = single(headers['x-api-key']);
  if (authorization === null || apiKey === null) {
    return { kind: 'malformed', reason: 'credentials were sent more than once' };
  }
  if (authorization !== undefined && apiKey !== undefined) {
    return { kind: 'malformed', reason: 'send either an Authorization header or X-Api-Key, not both' };
  }
  if (apiKey !== undefined) {
    const secret = apiKey.trim();
    if (secret === '' || secret.length > MAX_CREDENTIAL_LENGTH || !TOKEN_CHARS.test(secret)) {
      return { kind: 'malformed', reason: 'the X-Api-Key header is malformed' };
    }
    return { kind: 'api-key', secret };
  }
  if (authorization === undefined) {
    return { kind: 'none' };
  }
  const match = /^([A-Za-z]+) +(.*)$/.exec(authorization.trim());
  if (!match || match[1].toLowerCase() !== 'bearer') {
    return { kind: 'malformed', reason: 'the Authorization header must use the Bearer scheme' };
  }
  const token = match[2].trim();
  if (token === '' || token.length > MAX_CREDENTIAL_LENGTH || !TOKEN_CHARS.test(token)) {
    return { kind: 'malformed', reason: 'the bearer credential is malformed' };
  }
  return JWT_SHAPE.test(token) ? { kind: 'jwt', token } : { kind: 'api-key', secret: token };
}
