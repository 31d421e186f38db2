import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory.js';
import { loadAppConfigFromProcess, type AppConfig } from './config/app.config.js';
import { ConfigValidationError } from './config/env.schema.js';
import { displayBaseUrl, startupBanner } from './embedded/banner.js';
import {
  DEMO_BUCKETS,
  EmbeddedStartError,
  prepareEmbedded,
  type EmbeddedEnvironment,
} from './embedded/prepare-embedded.js';
import { EmulatorConfigError } from './emulator/config.js';

function fail(message: string, exitCode: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(exitCode);
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadAppConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      fail(error.message, 78);
    }
    throw error;
  }

  // Embedded mode (no OSS credentials): emulator, demo data and demo principals, before the app reads its config.
  let embedded: EmbeddedEnvironment | undefined;
  if (config.mode === 'embedded') {
    try {
      embedded = await prepareEmbedded(config);
    } catch (error) {
      if (error instanceof EmulatorConfigError) {
        fail(`Invalid configuration:\n  - ${error.message}`, 78);
      }
      if (error instanceof EmbeddedStartError) {
        fail(error.message, 1);
      }
      throw error;
    }
  }

  const app = await createApp(config);
  if (embedded) {
    const env = embedded;
    // Closing the app (SIGTERM/SIGINT through Nest's shutdown hooks) closes Fastify, then the emulator.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onClose', async () => {
        await env.close();
      });
  }
  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address() as AddressInfo | null;
  const baseUrl = displayBaseUrl(config.server.host, address?.port ?? config.server.port);
  process.stdout.write(
    startupBanner({
      mode: config.mode,
      baseUrl,
      oss: { region: config.oss.region, ...(config.oss.endpoint ? { endpoint: config.oss.endpoint } : {}) },
      ...(embedded
        ? {
            embedded: {
              emulatorUrl: embedded.emulator.url,
              buckets: DEMO_BUCKETS,
              callers: embedded.callers,
            },
          }
        : {}),
    }),
  );
}

void bootstrap();
