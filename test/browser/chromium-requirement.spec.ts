import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const MISSING = '/nonexistent/chromium';

/** Runs the browser spec in its own vitest process, with Chromium pointed at a path that does not exist. */
function runBrowserSpec(ci: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: MISSING, NO_COLOR: '1' };
  delete env.CI;
  if (ci !== undefined) {
    env.CI = ci;
  }
  const run = spawnSync(
    process.execPath,
    [
      VITEST,
      'run',
      '--config',
      'test/browser/vitest.browser.config.ts',
      'test/browser/playground.browser-spec.ts',
    ],
    { cwd: ROOT, env, encoding: 'utf8' },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the browser test without Chromium', () => {
  it('is skipped on a developer machine, with one line saying how to run it', () => {
    // Given no Chromium and no CI
    const { status, output } = runBrowserSpec(undefined);

    // Then the run passes, the tests are skipped, and one notice line says how to run them
    expect(status).toBe(0);
    expect(output).toMatch(/Tests\s+2 skipped/);
    const notices = output.split('\n').filter((line) => line.includes('[playground.browser-spec] skipped'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`no Chromium at ${MISSING}`);
    expect(notices[0]).toContain('CHROMIUM_PATH=');
    expect(notices[0]).toContain('npm run test:browser');
  });

  it('treats CI=false like no CI', () => {
    expect(runBrowserSpec('false').status).toBe(0);
  });

  it('fails in CI, naming what is missing', () => {
    // Given no Chromium, with CI set
    const { status, output } = runBrowserSpec('true');

    // Then the run fails and says Chromium is required
    expect(status).not.toBe(0);
    expect(output).toContain(`CI requires Chromium for the browser test and ${MISSING} is missing`);
  });
});
