import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import {
  hmacForgedToken,
  newSigningKey,
  serveJwks,
  signToken,
  unsignedToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type JwksServer,
  type SigningKey,
} from '../../../test/fixtures/jwt.js';
import {
  principalWithKey,
  writePrincipalsFile,
  type PrincipalsDocument,
  type PrincipalsFile,
} from '../../../test/fixtures/principals.js';
import { PrincipalsStore } from '../principals/principals-store.js';
import { evaluate } from '../ram/index.js';
import { CallerAuthenticator } from './caller-authenticator.service.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const files: PrincipalsFile[] = [];

function authenticatorFor(document: PrincipalsDocument, clock = () => NOW): CallerAuthenticator {
  const file = writePrincipalsFile(document);
  files.push(file);
  const store = new PrincipalsStore({
    file: file.file,
    logger: { log: vi.fn(), warn: vi.fn(), error: vi.fn() },
    watch: false,
    reloadOnSighup: false,
  });
  store.start();
  return new CallerAuthenticator(store, clock);
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(ErrorCode.Unauthenticated);
  return error as DomainError;
}

afterAll(() => files.splice(0).forEach((f) => f.cleanup()));

describe(CallerAuthenticator.name, () => {
  describe('API keys', () => {
    const svc = principalWithKey('billing-service', { policies: ['AliyunOSSReadOnlyAccess'] }, 'billing-1');
    const authenticator = authenticatorFor({
      principals: [
        svc.entry,
        { id: 'dev', type: 'user', apiKeys: [{ id: 'dev-1', secret: 'dev-only-plain-secret' }] },
      ],
    });

    it('authenticates a sha256-configured key and carries the key id and compiled policies', async () => {
      const caller = await authenticator.authenticateHeaders({ 'x-api-key': svc.secret });
      expect(caller).toMatchObject({
        principalId: 'billing-service',
        type: 'service',
        keyId: 'billing-1',
        authenticatedBy: 'api-key',
      });
      expect(evaluate(caller.policySet, { action: 'oss:GetBucketReplication', resource: '*' }).decision).toBe(
        'Allow',
      );
    });

    it('reuses the resolved caller of a key until a reload brings new principals', async () => {
      const file = writePrincipalsFile({
        principals: [{ id: 'ops', type: 'user', apiKeys: [{ id: 'ops-1', secret: 'ops-plain-secret' }] }],
      });
      files.push(file);
      const store = new PrincipalsStore({
        file: file.file,
        logger: { log: vi.fn(), warn: vi.fn(), error: vi.fn() },
        watch: false,
        reloadOnSighup: false,
      });
      store.start();
      const auth = new CallerAuthenticator(store, () => NOW);
      const first = await auth.authenticateHeaders({ 'x-api-key': 'ops-plain-secret' });
      expect(await auth.authenticateHeaders({ 'x-api-key': 'ops-plain-secret' })).toBe(first);
      expect(first.groups).toEqual([]);

      file.replace({
        groups: { auditors: { policies: ['AliyunOSSReadOnlyAccess'] } },
        principals: [
          {
            id: 'ops',
            type: 'user',
            groups: ['auditors'],
            apiKeys: [{ id: 'ops-2', secret: 'ops-new-secret' }],
          },
        ],
      });
      expect(await store.reload()).toMatchObject({ status: 'reloaded' });
      await rejection(auth.authenticateHeaders({ 'x-api-key': 'ops-plain-secret' }));
      const after = await auth.authenticateHeaders({ 'x-api-key': 'ops-new-secret' });
      expect(after).toMatchObject({ principalId: 'ops', keyId: 'ops-2', groups: ['auditors'] });
    });

    it('authenticates a plain-secret development key', async () => {
      const caller = await authenticator.authenticateHeaders({
        authorization: 'Bearer dev-only-plain-secret',
      });
      expect(caller).toMatchObject({ principalId: 'dev', keyId: 'dev-1' });
    });

    it('rejects an unknown key without echoing it', async () => {
      const error = await rejection(
        authenticator.authenticateHeaders({ 'x-api-key': 'guessed-secret-value' }),
      );
      expect(error.message).not.toContain('guessed-secret-value');
    });

    it('rejects a request without credentials', async () => {
      await rejection(authenticator.authenticateHeaders({}));
    });

    it('authenticates one request once and caches the caller on it', async () => {
      const req = { headers: { 'x-api-key': svc.secret } } as unknown as GatewayRequest;
      const spy = vi.spyOn(authenticator, 'callerOf');
      const [a, b] = await Promise.all([authenticator.authenticate(req), authenticator.authenticate(req)]);
      await authenticator.authenticate(req);
      expect(a).toBe(b);
      expect(req.gateway?.caller).toBe(a);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
    });
  });

  describe('JWT with a static public key', () => {
    let key: SigningKey;
    let other: SigningKey;
    let authenticator: CallerAuthenticator;
    const listed = principalWithKey('portal-user', { type: 'user', policies: ['AliyunOSSFullAccess'] });

    beforeAll(async () => {
      key = await newSigningKey();
      other = await newSigningKey('other');
      authenticator = authenticatorFor({
        groups: { readers: { policies: ['AliyunOSSReadOnlyAccess'] } },
        principals: [listed.entry],
        jwt: {
          issuer: TEST_ISSUER,
          audience: TEST_AUDIENCE,
          publicKey: key.publicPem,
          groupsClaim: 'groups',
          clockToleranceSeconds: 5,
        },
      });
    });

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it('maps the subject to a listed principal', async () => {
      const token = await signToken(key, { subject: 'portal-user', issuedAt: NOW });
      const caller = await authenticator.authenticateHeaders(bearer(token));
      expect(caller).toMatchObject({
        principalId: 'portal-user',
        type: 'user',
        authenticatedBy: 'jwt',
        listed: true,
      });
      expect(caller.keyId).toBeUndefined();
    });

    it('gives an unlisted user only the policies of known groups from the groups claim', async () => {
      const token = await signToken(key, {
        subject: 'bob',
        issuedAt: NOW,
        claims: { groups: ['readers', 'admins'] },
      });
      const caller = await authenticator.authenticateHeaders(bearer(token));
      expect(caller).toMatchObject({ principalId: 'bob', type: 'user', groups: ['readers'], listed: false });
      expect(evaluate(caller.policySet, { action: 'oss:GetBucketReplication', resource: '*' }).decision).toBe(
        'Allow',
      );
      expect(evaluate(caller.policySet, { action: 'oss:PutBucketRtc', resource: '*' }).decision).toBe(
        'ImplicitDeny',
      );
    });

    it('rejects an expired token, but accepts one within the clock tolerance', async () => {
      const expired = await signToken(key, {
        subject: 'portal-user',
        issuedAt: new Date(NOW.getTime() - 7_200_000),
        expiresAt: new Date(NOW.getTime() - 60_000),
      });
      expect((await rejection(authenticator.authenticateHeaders(bearer(expired)))).message).toMatch(
        /expired/,
      );
      const justExpired = await signToken(key, {
        subject: 'portal-user',
        issuedAt: new Date(NOW.getTime() - 7_200_000),
        expiresAt: new Date(NOW.getTime() - 3_000),
      });
      await expect(authenticator.authenticateHeaders(bearer(justExpired))).resolves.toMatchObject({
        principalId: 'portal-user',
      });
    });

    it('rejects a wrong issuer, a wrong audience and a foreign signature', async () => {
      const wrongIssuer = await signToken(key, {
        subject: 'portal-user',
        issuedAt: NOW,
        issuer: 'https://evil.example',
      });
      expect((await rejection(authenticator.authenticateHeaders(bearer(wrongIssuer)))).message).toMatch(
        /"iss"/,
      );
      const wrongAudience = await signToken(key, {
        subject: 'portal-user',
        issuedAt: NOW,
        audience: 'another-service',
      });
      expect((await rejection(authenticator.authenticateHeaders(bearer(wrongAudience)))).message).toMatch(
        /"aud"/,
      );
      const foreign = await signToken(other, { subject: 'portal-user', issuedAt: NOW });
      expect((await rejection(authenticator.authenticateHeaders(bearer(foreign)))).message).toMatch(
        /signature/,
      );
    });

    it('rejects a token without the principal claim', async () => {
      const token = await signToken(key, { issuedAt: NOW });
      expect((await rejection(authenticator.authenticateHeaders(bearer(token)))).message).toMatch(/"sub"/);
    });

    it('rejects an HS256 token signed with the public key as the HMAC secret', async () => {
      const forged = await hmacForgedToken(key, { subject: 'portal-user', issuedAt: NOW });
      expect((await rejection(authenticator.authenticateHeaders(bearer(forged)))).message).toMatch(
        /algorithm is not accepted/,
      );
    });

    it('rejects an unsigned token (alg none), with or without a signature part', async () => {
      const unsigned = unsignedToken({ subject: 'portal-user', issuedAt: NOW });
      await rejection(authenticator.authenticateHeaders(bearer(unsigned)));
      expect((await rejection(authenticator.authenticateHeaders(bearer(`${unsigned}AAAA`)))).message).toMatch(
        /algorithm is not accepted/,
      );
    });

    it('rejects a token without exp', async () => {
      const token = await signToken(key, { subject: 'portal-user', issuedAt: NOW, expiresAt: null });
      expect((await rejection(authenticator.authenticateHeaders(bearer(token)))).message).toMatch(
        /no "exp" claim/,
      );
    });

    it('rejects a lifetime over the default 24 h, measured from iat, or from now without iat', async () => {
      const longLived = await signToken(key, {
        subject: 'portal-user',
        issuedAt: new Date(NOW.getTime() - 3_600_000),
        expiresAt: new Date(NOW.getTime() + 24 * 3_600_000),
      });
      expect((await rejection(authenticator.authenticateHeaders(bearer(longLived)))).message).toMatch(
        /lifetime is longer than the 86400 s/,
      );
      const noIat = await signToken(key, {
        subject: 'portal-user',
        issuedAt: null,
        expiresAt: new Date(NOW.getTime() + 25 * 3_600_000),
      });
      await rejection(authenticator.authenticateHeaders(bearer(noIat)));
      const futureIat = await signToken(key, {
        subject: 'portal-user',
        issuedAt: new Date(NOW.getTime() + 24 * 3_600_000),
        expiresAt: new Date(NOW.getTime() + 25 * 3_600_000),
      });
      await rejection(authenticator.authenticateHeaders(bearer(futureIat)));
      const fullDay = await signToken(key, {
        subject: 'portal-user',
        issuedAt: NOW,
        expiresAt: new Date(NOW.getTime() + 24 * 3_600_000),
      });
      await expect(authenticator.authenticateHeaders(bearer(fullDay))).resolves.toMatchObject({
        principalId: 'portal-user',
      });
    });

    it('accepts a subject of 256 characters and rejects one of 257', async () => {
      const longest = await signToken(key, { subject: 's'.repeat(256), issuedAt: NOW });
      await expect(authenticator.authenticateHeaders(bearer(longest))).resolves.toMatchObject({
        principalId: 's'.repeat(256),
      });
      const tooLong = await signToken(key, { subject: 's'.repeat(257), issuedAt: NOW });
      expect((await rejection(authenticator.authenticateHeaders(bearer(tooLong)))).message).toMatch(
        /"sub" claim must be 1-256 characters/,
      );
    });
  });

  describe('JWT subjects and listed principals', () => {
    let key: SigningKey;
    let authenticator: CallerAuthenticator;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    beforeAll(async () => {
      key = await newSigningKey();
      authenticator = authenticatorFor({
        groups: { readers: { policies: ['AliyunOSSReadOnlyAccess'] } },
        principals: [
          { id: 'billing-service', type: 'service', policies: ['AliyunOSSFullAccess'] },
          {
            id: 'portal-backend',
            type: 'service',
            policies: ['GatewayAdministratorAccess'],
            jwtSubjects: ['client:portal-7'],
          },
          { id: 'carol', type: 'user', policies: ['AliyunOSSFullAccess'], jwtSubjects: [] },
        ],
        jwt: {
          issuer: TEST_ISSUER,
          audience: TEST_AUDIENCE,
          publicKey: key.publicPem,
          groupsClaim: 'groups',
          maxLifetime: '2h',
        },
      });
    });

    it("never gives a token a service principal's policies because its sub equals the id", async () => {
      const token = await signToken(key, {
        subject: 'billing-service',
        issuedAt: NOW,
        claims: { groups: ['readers'] },
      });
      const caller = await authenticator.authenticateHeaders(bearer(token));
      expect(caller).toMatchObject({
        principalId: 'billing-service',
        type: 'user',
        groups: ['readers'],
        listed: false,
      });
      expect(evaluate(caller.policySet, { action: 'oss:PutBucketRtc', resource: '*' }).decision).toBe(
        'ImplicitDeny',
      );
    });

    it('maps a subject named in jwtSubjects to its principal', async () => {
      const token = await signToken(key, { subject: 'client:portal-7', issuedAt: NOW });
      const caller = await authenticator.authenticateHeaders(bearer(token));
      expect(caller).toMatchObject({
        principalId: 'portal-backend',
        type: 'service',
        authenticatedBy: 'jwt',
        listed: true,
      });
      expect(evaluate(caller.policySet, { action: 'gateway:ListAuditEvents', resource: '*' }).decision).toBe(
        'Allow',
      );
    });

    it("does not map a user's own id when it lists its jwtSubjects (an empty list maps none)", async () => {
      const token = await signToken(key, { subject: 'carol', issuedAt: NOW });
      expect(await authenticator.authenticateHeaders(bearer(token))).toMatchObject({
        principalId: 'carol',
        listed: false,
      });
    });

    it('applies the configured jwt.maxLifetime', async () => {
      const threeHours = await signToken(key, {
        subject: 'client:portal-7',
        issuedAt: NOW,
        expiresAt: new Date(NOW.getTime() + 3 * 3_600_000),
      });
      expect((await rejection(authenticator.authenticateHeaders(bearer(threeHours)))).message).toMatch(
        /7200 s/,
      );
    });
  });

  describe('JWT with a JWKS URL', () => {
    let key: SigningKey;
    let jwks: JwksServer;
    let authenticator: CallerAuthenticator;

    beforeAll(async () => {
      key = await newSigningKey('jwks-key', 'RS256');
      jwks = await serveJwks([key]);
      authenticator = authenticatorFor({
        principals: [{ id: 'svc', type: 'service', policies: ['AliyunOSSFullAccess'] }],
        jwt: { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE, 'other'], jwksUrl: jwks.url },
      });
    });
    afterAll(() => jwks.close());

    it('verifies tokens with the fetched key set and caches it', async () => {
      for (let i = 0; i < 3; i += 1) {
        const token = await signToken(key, { subject: 'svc', issuedAt: NOW });
        await expect(
          authenticator.authenticateHeaders({ authorization: `Bearer ${token}` }),
        ).resolves.toMatchObject({
          principalId: 'svc',
          authenticatedBy: 'jwt',
        });
      }
      expect(jwks.fetches()).toBe(1);
    });

    it('rejects a token whose key id is not in the set', async () => {
      const stranger = await newSigningKey('unknown-kid');
      const token = await signToken(stranger, { subject: 'svc', issuedAt: NOW });
      await rejection(authenticator.authenticateHeaders({ authorization: `Bearer ${token}` }));
    });

    it('rejects forged HS256 and alg none tokens as invalid, not as an unavailable key set', async () => {
      const forged = await hmacForgedToken(key, { subject: 'svc', issuedAt: NOW });
      const unsigned = `${unsignedToken({ subject: 'svc', issuedAt: NOW }, key.kid)}AAAA`;
      for (const token of [forged, unsigned]) {
        const error = await rejection(
          authenticator.authenticateHeaders({ authorization: `Bearer ${token}` }),
        );
        expect(error.message).toMatch(/algorithm is not accepted/);
      }
    });

    it('rejects an ES256 token carrying the kid of the RSA key', async () => {
      const ec = await newSigningKey('jwks-key', 'ES256');
      const token = await signToken(ec, { subject: 'svc', issuedAt: NOW });
      const error = await rejection(authenticator.authenticateHeaders({ authorization: `Bearer ${token}` }));
      expect(error.message).toMatch(/no key of the identity provider matches/);
    });
  });

  it('rejects JWTs when the principals file configures no jwt section', async () => {
    const key = await newSigningKey();
    const authenticator = authenticatorFor({ principals: [{ id: 'svc', type: 'service' }] });
    const token = await signToken(key, { subject: 'svc', issuedAt: NOW });
    await rejection(authenticator.authenticateHeaders({ authorization: `Bearer ${token}` }));
  });
});
