import { describe, expect, it } from 'vitest';
import { presentedCredential } from './credentials.js';

describe(presentedCredential.name, () => {
  it('reads an API key from X-Api-Key or a non-JWT bearer value', () => {
    expect(presentedCredential({ 'x-api-key': 'abc-123-secret' })).toEqual({
      kind: 'api-key',
      secret: 'abc-123-secret',
    });
    expect(presentedCredential({ authorization: 'Bearer abc-123-secret' })).toEqual({
      kind: 'api-key',
      secret: 'abc-123-secret',
    });
    expect(presentedCredential({ authorization: 'bearer   abc-123-secret' })).toEqual({
      kind: 'api-key',
      secret: 'abc-123-secret',
    });
  });

  it('recognises a JWT by its three base64url parts', () => {
    expect(presentedCredential({ authorization: 'Bearer aGVhZA.Ym9keQ.c2ln' })).toEqual({
      kind: 'jwt',
      token: 'aGVhZA.Ym9keQ.c2ln',
    });
  });

  it('reports no credential when neither header is sent', () => {
    expect(presentedCredential({})).toEqual({ kind: 'none' });
  });

  it('refuses other schemes, empty values, both headers and repeated headers', () => {
    expect(presentedCredential({ authorization: 'Basic dXNlcjpwYXNz' }).kind).toBe('malformed');
    expect(presentedCredential({ authorization: 'Bearer ' }).kind).toBe('malformed');
    expect(presentedCredential({ 'x-api-key': ' ' }).kind).toBe('malformed');
    expect(presentedCredential({ authorization: 'Bearer a', 'x-api-key': 'b' }).kind).toBe('malformed');
    expect(presentedCredential({ 'x-api-key': ['a', 'b'] }).kind).toBe('malformed');
  });

  it('never includes the credential in the reason', () => {
    const result = presentedCredential({ authorization: 'Token very-secret-value' });
    expect(JSON.stringify(result)).not.toContain('very-secret-value');
  });
});
