import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/emulator-server.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/**
 * Readiness names each dependency: `audit` (the store takes a write), `oss` (a signed call to the
 * configured endpoint answers), `rateLimits`. Any check down makes it 503.
 */
describe('readiness', () => {
  let emulator: Emulator | undefined;
  let gateway: TestApp | undefined;

  afterEach(async () => {
    await gateway?.close();
    await emulator?.close();
    gateway = undefined;
    emulator = undefined;
  });

  it('is 200 with every check named when the store takes writes and OSS answers', async () => {
    emulator = await startEmulator({ port: 0 });
    gateway = await createTestApp(emulatorEnv(emulator));
    const res = await gateway.request.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      checks: {
        audit: { status: 'up' },
        oss: { status: 'up', detail: expect.stringMatching(/^ListBuckets answered/) },
        rateLimits: { status: 'up', detail: 'memory' },
      },
    });
  });

  it('is 503 naming oss when OSS cannot be reached', async () => {
    emulator = await startEmulator({ port: 0 });
    const env = emulatorEnv(emulator);
    await emulator.close();
    emulator = undefined;
    gateway = await createTestApp({ ...env, OSS_MAX_ATTEMPTS: '1' });
    const res = await gateway.request.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.checks.oss).toMatchObject({ status: 'down' });
    expect(res.body.checks.audit).toMatchObject({ status: 'up' });
  });

  it("is 503 naming oss when OSS refuses the gateway's credentials", async () => {
    emulator = await startEmulator({ port: 0 });
    gateway = await createTestApp({ ...emulatorEnv(emulator), OSS_ACCESS_KEY_SECRET: 'not-the-secret' });
    const res = await gateway.request.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.checks.oss).toMatchObject({
      status: 'down',
      detail: 'ListBuckets: 403 SignatureDoesNotMatch',
    });
  });
});
