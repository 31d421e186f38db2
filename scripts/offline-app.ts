import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app.factory.js';
import { buildAppConfig } from '../src/config/app.config.js';

/**
 * Boots the application for introspection only: no emulator, no database file (`sqlite::memory:`),
 * no principals, and placeholder OSS credentials that are never used (nothing is forwarded).
 */
export async function createOfflineApp(): Promise<NestFastifyApplication> {
  const config = buildAppConfig({
    DATABASE_URL: 'sqlite::memory:',
    OSS_ACCESS_KEY_ID: 'offline-introspection',
    OSS_ACCESS_KEY_SECRET: 'offline-introspection',
    OSS_ENDPOINT: '127.0.0.1:9',
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config, { logger: ['error'] });
  await app.init();
  return app;
}

/** The repository root: the nearest directory above `start` holding package.json (works from dist-bench/scripts too). */
export function repoRoot(start: string = process.cwd()): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) {
      return dir;
    }
    if (dirname(dir) === dir) {
      return start;
    }
  }
}
