import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createOfflineApp, repoRoot } from './offline-app.js';

const HEADER = [
  '# GraphQL schema of the OSS Replication Gateway.',
  '# Generated from the code-first resolvers by `npm run schema:generate`; checked in CI by `npm run schema:check`.',
  '# Do not edit by hand.',
  '',
].join('\n');

/** `npm run schema:generate`: writes schema.gql (printSchema of the app's schema, sorted) to the repo root. */
async function main(): Promise<void> {
  const app = await createOfflineApp();
  try {
    const { schema } = app.get(GraphQLSchemaHost);
    const target = join(repoRoot(), 'schema.gql');
    writeFileSync(target, `${HEADER}\n${printSchema(lexicographicSortSchema(schema))}\n`);
    process.stdout.write(`wrote ${target}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
