import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument, serializeOpenApi } from '../src/docs/openapi.js';
import { createOfflineApp, repoRoot } from './offline-app.js';

/** `npm run openapi`: writes openapi.json (sorted keys, the same bytes /docs/openapi.json serves) to the repo root. */
async function main(): Promise<void> {
  const app = await createOfflineApp();
  try {
    const target = join(repoRoot(), 'openapi.json');
    const text = serializeOpenApi(buildOpenApiDocument(app));
    writeFileSync(target, text);
    const document = JSON.parse(text) as { paths: Record<string, object> };
    const operations = Object.values(document.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    process.stdout.write(`wrote ${target} (${operations} operations)\n`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
