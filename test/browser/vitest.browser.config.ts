import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/** Runs only the browser specs: `npx vitest run -c test/browser/vitest.browser.config.ts`. */
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, include: ['test/browser/**/*.browser-spec.ts'], testTimeout: 60_000 },
});
