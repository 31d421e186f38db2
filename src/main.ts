import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { createApp } from './app.factory.js';
import { PrincipalsFileError } from './auth/principals/principals-file.js';
import { PrincipalsStore } from './auth/principals/principals-store.js';
import { createRootLogger } from './common/logging/logger.js';
import { loadAppConfigFromProcess, type AppConfig } from './config/app.config.js';
import { ConfigValidationError } from './config/env.schema.js';
import { listenFailureMessage } from './config/listen-failure.js';
import { displayBaseUrl, startupBanner } from './embedded/banner.js';
import {
  DEMO_BUCKETS,
  EmbeddedStartError,
  prepareEmbedded,
  type EmbeddedEnvironment,
} from './embedded/prepare-embedded.js';

/** Exit code of a start-up refused for its configuration (sysexits EX_CONFIG). */
const EX_CONFIG = 78;

/** A start-up failure the operator can fix, as the message to print (no stack trace) and the exit code. */
function startupFailure(error: unknown, config: AppConfig | undefined): [string, number] | undefined {
  if (error instanceof ConfigValidationError) {
    return [error.message, EX_CONFIG];
  }
  if (error instanceof PrincipalsFileError) {
    const problems = error.problems.map((p) => `${p.path}: ${p.message}`);
    const heading = `Invalid principals file ${error.file} (GATEWAY_PRINCIPALS_FILE)`;
    return [new ConfigValidationError(problems, heading).message, EX_CONFIG];
  }
  if (error instanceof EmbeddedStartError) {
    return [error.message, 1];
  }
  const listen = config && listenFailureMessage(error, config.server.host, config.server.port);
  return listen ? [listen, 1] : undefined;
}

async function bootstrap(): Promise<void> {
  let config: AppConfig | undefined;
  let embedded: EmbeddedEnvironment | undefined;
  try {
    config = loadAppConfigFromProcess();
    // The logs' stream (asynchronous); the banner goes through it too, so it follows every line logged before it.
    const stdout = pino.destination({ dest: 1, sync: false });
    const root = createRootLogger(config.server.logLevel, stdout);
    // Embedded mode (no OSS credentials): emulator, demo data and demo principals, and the config that points at them.
    if (config.mode === 'embedded') {
      embedded = await prepareEmbedded(config);
      config = embedded.config;
    }
    const app = await createApp(config, { rootLogger: root });
    if (embedded) {
      const env = embedded;
      // Closing the app (SIGTERM/SIGINT) closes Fastify, then the emulator.
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onClose', async () => {
          await env.close();
        });
    }
    // SIGHUP is not in the list: it reloads the principals file (PrincipalsStore) and nothing else.
    // useProcessExit: after a graceful shutdown the process exits 0 instead of re-raising the signal.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    await app.listen(config.server.port, config.server.host);

    const address = app.getHttpServer().address() as AddressInfo | null;
    const principals = app.get(PrincipalsStore).current().principals.size;
    stdout.write(
      startupBanner({
        mode: config.mode,
        baseUrl: displayBaseUrl(config.server.host, address?.port ?? config.server.port),
        oss: { region: config.oss.region, ...(config.oss.endpoint ? { endpoint: config.oss.endpoint } : {}) },
        principals: {
          file: resolve(config.auth.principalsFile ?? ''),
          count: principals,
          demo: embedded !== undefined && embedded.callers.length > 0,
        },
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
  } catch (error) {
    const failure = startupFailure(error, config);
    if (!failure) {
      throw error;
    }
    await embedded?.close().catch(() => undefined);
    process.stderr.write(`${failure[0]}\n`);
    process.exit(failure[1]);
  }
}

void bootstrap();
