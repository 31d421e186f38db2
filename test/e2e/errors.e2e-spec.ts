import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/**
 * Error rendering that must not depend on NODE_ENV: Apollo includes stack traces unless told not to
 * whenever NODE_ENV is neither "production" nor "test", so this app is built under "development".
 */
describe('error responses outside production', () => {
  let t: TestApp;
  const previous = process.env.NODE_ENV;

  beforeAll(async () => {
    process.env.NODE_ENV = 'development';
    try {
      t = await createTestApp();
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('returns GraphQL errors without stack traces or file paths', async () => {
    const res = await t.graphql('{ me { id } }').expect(200);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors[0].extensions).not.toHaveProperty('stacktrace');
    expect(JSON.stringify(res.body)).not.toMatch(/node_modules|\.ts:\d+|\.js:\d+/);
  });

  it('returns GraphQL variable errors without stack traces', async () => {
    const res = await t.graphql('query ($b: String!) { replicationRules(bucket: $b) { id } }', { b: 5 });
    expect(res.body.errors[0].extensions).not.toHaveProperty('stacktrace');
  });

  it('returns REST problems without stack traces and with the request id', async () => {
    const res = await t.request.get('/v1/me').expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(res.body)).not.toMatch(/node_modules|\bat \w/);
  });
});
