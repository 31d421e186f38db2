import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import supertest from 'supertest';
import { createApp, type CreateAppOptions } from '../../src/app.factory.js';
import { type AppConfig, buildAppConfig } from '../../src/config/app.config.js';
import type { Emulator } from '../../src/emulator/emulator-server.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** supertest bound to the app: `request.get('/v1/me').set(...)`. */
  request: ReturnType<typeof supertest>;
  /** POST /graphql with a query and variables. */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): supertest.Test;
  close(): Promise<void>;
}

/**
 * Defaults every test app gets unless overridden: an in-memory audit store, and rate limits no test
 * reaches unless it sets its own (test/e2e/rate-limits.e2e-spec.ts does).
 */
export const TEST_ENV: Readonly<Record<string, string>> = {
  DATABASE_URL: 'sqlite::memory:',
  GATEWAY_RATE_LIMITS: 'read=1000000/s,write=1000000/s,simulate=1000000/s,anonymous=1000000/s',
};

/**
 * Boots the whole application as main.ts does (createApp), with the raw environment `TEST_ENV` +
 * `overrides`, initialised and ready for supertest. Close it in afterAll/afterEach.
 */
export async function createTestApp(
  overrides: Partial<Record<string, string>> = {},
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const config = buildAppConfig({ ...TEST_ENV, ...overrides });
  const app = await createApp(config, { logger: false, ...options });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const request = supertest(app.getHttpServer());
  return {
    app,
    config,
    request,
    graphql: (query, variables = {}, headers = {}) =>
      request.post('/graphql').set(headers).send({ query, variables }),
    close: () => app.close(),
  };
}

/**
 * Environment that points the gateway (upstream mode) at a running OSS emulator over real HTTP with
 * real signatures: `createTestApp({ ...emulatorEnv(emu), GATEWAY_PRINCIPALS_FILE: ... })`.
 */
export function emulatorEnv(emu: Emulator, region = emu.defaultRegion): Record<string, string> {
  const key = emu.accessKeys[0];
  return {
    OSS_ENDPOINT: emu.url,
    OSS_ADDRESSING: 'path',
    OSS_REGION: region,
    OSS_ACCESS_KEY_ID: key.accessKeyId,
    OSS_ACCESS_KEY_SECRET: key.accessKeySecret,
    ...(key.securityToken ? { OSS_SESSION_TOKEN: key.securityToken } : {}),
  };
}
