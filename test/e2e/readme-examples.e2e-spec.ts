import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { setupDocs } from '../../src/docs/docs.setup.js';
import { prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';
import {
  expand,
  README_ORIGIN,
  readmeExamples,
  showVariables,
  type ReadmeExample,
} from '../utils/readme-examples.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const examples = readmeExamples(README);

function title(example: ReadmeExample): string {
  return example.kind === 'curl'
    ? `README:${example.line} ${example.method} ${showVariables(example.url.replace(README_ORIGIN, ''))}`
    : `README:${example.line} GraphQL ${example.operationName}`;
}

describe('the README examples, run in order on a fresh embedded start', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let origin: string;
  const vars: Record<string, string> = {};

  beforeAll(async () => {
    // Given `npm start` with no OSS credentials: the emulator, its demo data and the demo keys
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config);
    app = await createApp(env.config, { logger: false });
    setupDocs(app, env.config);
    await app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('finds the REST and GraphQL examples', () => {
    expect(examples.filter((e) => e.kind === 'curl').length).toBeGreaterThanOrEqual(10);
    expect(examples.filter((e) => e.kind === 'graphql').length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples.map((e) => [title(e), e] as const))('%s', async (_, example) => {
    if (example.kind === 'curl') {
      // When the curl command is sent as written (to this test's port)
      const url = expand(example.url, vars).replace(README_ORIGIN, origin);
      const res = await fetch(url, {
        method: example.method,
        headers: example.headers,
        ...(example.body === undefined ? {} : { body: expand(example.body, vars) }),
      });
      const text = await res.text();
      // Then it answers the status the README gives, or a 2xx
      const where = `${example.source}\n→ ${res.status} ${text.slice(0, 800)}`;
      if (example.status === undefined) {
        expect(res.status >= 200 && res.status < 300, where).toBe(true);
      } else {
        expect(res.status, where).toBe(example.status);
      }
      if (example.assign) {
        let value: unknown = JSON.parse(text);
        for (const key of example.assign.path) {
          value = (value as Record<string, unknown>)[key];
        }
        expect(typeof value, `${where}\n(.${example.assign.path.join('.')} is not a string)`).toBe('string');
        vars[example.assign.name] = value as string;
      }
      return;
    }
    // When the GraphQL operation is run as Playground does (the whole block, this operationName)
    const res = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': example.apiKey },
      body: JSON.stringify({ query: example.document, operationName: example.operationName }),
    });
    const answer = (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    // Then it answers data and no errors
    const where = `${example.operationName}\n→ ${res.status} ${JSON.stringify(answer).slice(0, 800)}`;
    expect(res.status, where).toBe(200);
    expect(answer.errors, where).toBeUndefined();
    expect(
      Object.values(answer.data ?? {}).every((v) => v !== null),
      where,
    ).toBe(true);
  });
});
