import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { loadAppConfigFromProcess } from './config/app.config.js';
import { ConfigValidationError } from './config/env.schema.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadAppConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await createApp(config, { logger: ['log', 'error', 'warn'] });
  await app.listen(config.server.port, config.server.host);
  const base = `http://${config.server.host}:${config.server.port}`;
  process.stdout.write(
    [
      `OSS Replication Gateway (${config.mode} mode) listening on ${base}`,
      `  REST               ${base}/v1`,
      `  GraphQL Playground ${base}/graphql`,
      `  OpenAPI UI         ${base}/docs`,
      '',
    ].join('\n'),
  );
}

void bootstrap();
