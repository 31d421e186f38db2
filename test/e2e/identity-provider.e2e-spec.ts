import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSigningKey,
  serveJwks,
  signToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type JwksServer,
  type SigningKey,
} from '../fixtures/jwt.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/*
 * JWT callers when the identity provider's key set cannot be fetched (DESIGN §9): the gateway is at
 * fault, not the caller, so the answer is 503 IDENTITY_PROVIDER_UNAVAILABLE with Retry-After, never a
 * 401 (a portal would log its users out). A bad token with a reachable key set stays a 401.
 */

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
});

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  return port;
}

/** An identity provider that answers its key set with a 500. */
async function failingJwks(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, server };
}

async function appWithJwks(jwksUrl: string): Promise<{ t: TestApp; file: PrincipalsFile }> {
  const someone = principalWithKey('idp-service');
  const file = writePrincipalsFile({
    principals: [someone.entry],
    jwt: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUrl },
  });
  const t = await createTestApp({ GATEWAY_PRINCIPALS_FILE: file.file });
  return { t, file };
}

describe('JWT callers and the identity provider', () => {
  let key: SigningKey;
  let token: string;

  beforeAll(async () => {
    key = await newSigningKey();
    token = await signToken(key, { subject: 'alice@example.com' });
  });

  describe.each([
    ['is unreachable (a closed port)', async () => `http://127.0.0.1:${await closedPort()}/jwks.json`],
    [
      'answers its key set with a 500',
      async () => {
        const idp = await failingJwks();
        cleanups.push(() => new Promise<void>((resolve) => idp.server.close(() => resolve())));
        return idp.url;
      },
    ],
  ])('when the identity provider %s', (_label, jwksUrlOf) => {
    let t: TestApp;
    let file: PrincipalsFile;

    beforeAll(async () => {
      ({ t, file } = await appWithJwks(await jwksUrlOf()));
    });
    afterAll(async () => {
      await t?.close();
      file?.cleanup();
    });

    it('answers REST with 503 IDENTITY_PROVIDER_UNAVAILABLE and Retry-After', async () => {
      const res = await t.request.get('/v1/me').set('authorization', `Bearer ${token}`).expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 503,
        code: 'IDENTITY_PROVIDER_UNAVAILABLE',
        reason: 'IdentityProviderUnavailable',
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain(token);
    });

    it('answers GraphQL with extensions.code IDENTITY_PROVIDER_UNAVAILABLE', async () => {
      const res = await t.graphql('{ me { id } }', {}, { authorization: `Bearer ${token}` });
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'IDENTITY_PROVIDER_UNAVAILABLE',
        status: 503,
      });
    });
  });

  describe('when the identity provider answers', () => {
    let jwks: JwksServer;
    let t: TestApp;
    let file: PrincipalsFile;

    beforeAll(async () => {
      jwks = await serveJwks([key]);
      ({ t, file } = await appWithJwks(jwks.url));
    });
    afterAll(async () => {
      await t?.close();
      file?.cleanup();
      await jwks?.close();
    });

    it('accepts a good token', async () => {
      const res = await t.request.get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
      expect(res.body.id).toBe('alice@example.com');
    });

    it('answers a tampered token with 401', async () => {
      const [h, p] = token.split('.');
      const res = await t.request
        .get('/v1/me')
        .set('authorization', `Bearer ${h}.${p}.${'A'.repeat(86)}`)
        .expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('answers a token signed by a key the identity provider does not publish with 401', async () => {
      const stranger = await signToken(await newSigningKey('other-key'), { subject: 'mallory' });
      const res = await t.request.get('/v1/me').set('authorization', `Bearer ${stranger}`).expect(401);
      expect(res.body.detail).toMatch(/no key of the identity provider matches/);
    });
  });
});
