import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hmacForgedToken,
  newSigningKey,
  serveJwks,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../fixtures/jwt.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/*
 * JWT hardening (DESIGN §9 "JWT") against an identity provider that publishes an RS256 key on a local
 * JWKS endpoint: algorithms pinned to the key type, `exp` required with a bounded lifetime, a bounded
 * `sub`, and JWT subjects in their own namespace (`jwtSubjects` maps one to a listed principal).
 */

const HOUR = 3_600_000;

describe('JWT callers (RS256 identity provider)', () => {
  let key: SigningKey;
  let jwks: JwksServer;
  let file: PrincipalsFile;
  let t: TestApp;
  // Both services may read the audit trail; neither lists the other's id as a JWT subject.
  const billing = principalWithKey('billing-service', { policies: ['GatewayAdministratorAccess'] });
  const portal = principalWithKey('portal-backend', {
    policies: ['GatewayAdministratorAccess'],
    jwtSubjects: ['client:portal'],
  });

  beforeAll(async () => {
    key = await newSigningKey('idp-rsa-1', 'RS256');
    jwks = await serveJwks([key]);
    file = writePrincipalsFile({
      principals: [billing.entry, portal.entry],
      jwt: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUrl: jwks.url },
    });
    t = await createTestApp({ GATEWAY_PRINCIPALS_FILE: file.file });
  });
  afterAll(async () => {
    await t?.close();
    file?.cleanup();
    await jwks?.close();
  });

  const me = (token: string) => t.request.get('/v1/me').set('authorization', `Bearer ${token}`);

  async function expectInvalid(token: string, detail: RegExp): Promise<void> {
    const res = await me(token).expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(res.body.detail).toMatch(detail);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  }

  it('accepts a good RS256 token as a JWT user named by its subject', async () => {
    const res = await me(await signToken(key, { subject: 'alice@example.com' })).expect(200);
    expect(res.body).toEqual({ id: 'alice@example.com', type: 'user', groups: [], authenticatedBy: 'jwt' });
  });

  it('answers 401, not 503, to an HS256 token signed with the public key as the HMAC secret', async () => {
    await expectInvalid(await hmacForgedToken(key, { subject: 'billing-service' }), /algorithm/);
  });

  it('answers 401 to an unsigned token (alg none), with an empty or a filled signature part', async () => {
    const unsigned = unsignedToken({ subject: 'billing-service' }, key.kid);
    await expectInvalid(unsigned, /not valid/);
    await expectInvalid(`${unsigned}AAAA`, /algorithm/);
  });

  it('answers 401 to a token without exp', async () => {
    await expectInvalid(await signToken(key, { subject: 'alice', expiresAt: null }), /no "exp" claim/);
  });

  it('answers 401 to a token that lives longer than the default 24 h', async () => {
    const now = Date.now();
    const longLived = await signToken(key, {
      subject: 'alice',
      issuedAt: new Date(now),
      expiresAt: new Date(now + 25 * HOUR),
    });
    await expectInvalid(longLived, /lifetime is longer than the 86400 s/);
    const noIat = await signToken(key, {
      subject: 'alice',
      issuedAt: null,
      expiresAt: new Date(now + 25 * HOUR),
    });
    await expectInvalid(noIat, /lifetime/);
  });

  it('answers 401 to a subject of 257 characters, and accepts one of 256', async () => {
    await expectInvalid(await signToken(key, { subject: 'x'.repeat(257) }), /"sub" claim must be 1-256/);
    const res = await me(await signToken(key, { subject: 'x'.repeat(256) })).expect(200);
    expect(res.body.id).toBe('x'.repeat(256));
  });

  it("never makes a token whose sub is a service principal's id that principal", async () => {
    // Given the service's own key may read the audit trail
    await t.request.get('/v1/audit').set('x-api-key', billing.secret).expect(200);
    const impostor = await signToken(key, { subject: 'billing-service' });

    // Then a token with its id as sub is a JWT user without the service's policies
    const res = await me(impostor).expect(200);
    expect(res.body).toEqual({ id: 'billing-service', type: 'user', groups: [], authenticatedBy: 'jwt' });
    const audit = await t.request.get('/v1/audit').set('authorization', `Bearer ${impostor}`).expect(403);
    expect(audit.body.code).toBe('FORBIDDEN');
    const gql = await t.graphql('{ me { id type } }', {}, { authorization: `Bearer ${impostor}` });
    expect(gql.body.data).toEqual({ me: { id: 'billing-service', type: 'USER' } });
  });

  it('makes a token the principal that names its subject in jwtSubjects', async () => {
    const token = await signToken(key, { subject: 'client:portal' });
    const res = await me(token).expect(200);
    expect(res.body).toEqual({ id: 'portal-backend', type: 'service', groups: [], authenticatedBy: 'jwt' });
    await t.request.get('/v1/audit').set('authorization', `Bearer ${token}`).expect(200);
  });
});
