import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig } from '../../src/config/app.config.js';
import { setupDocs } from '../../src/docs/docs.setup.js';
import { DEMO_RULE, prepareEmbedded, type EmbeddedEnvironment } from '../../src/embedded/prepare-embedded.js';

/**
 * Debian's chromium by default (CI installs it, see .ci/run); `CHROMIUM_PATH` points at another build.
 * Without it the test is skipped with a one-line notice, unless `CI` is set: CI requires it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = resolve('test-results');

const haveChromium = existsSync(CHROMIUM);
const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
if (!haveChromium && !inCi) {
  process.stderr.write(
    `[playground.browser-spec] skipped: no Chromium at ${CHROMIUM}; to run it, install chromium ` +
      '(apt-get install -y chromium) or set CHROMIUM_PATH=/path/to/chromium, then npm run test:browser\n',
  );
}

interface PageWatch {
  offOrigin: string[];
  errors: string[];
  graphqlApiKeys: string[];
}

/** Records requests that leave the gateway's origin, page errors, and the X-Api-Key of GraphQL POSTs. */
async function watch(page: Page, origin: string): Promise<PageWatch> {
  const w: PageWatch = { offOrigin: [], errors: [], graphqlApiKeys: [] };
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      w.offOrigin.push(url);
    }
    if (req.method() === 'POST' && url === `${origin}/graphql`) {
      w.graphqlApiKeys.push(req.headers()['x-api-key'] ?? '');
    }
  });
  page.on('pageerror', (error) => w.errors.push(error.message));
  // CSP violations are not page errors: collect them in the page.
  await page.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
      });`,
  });
  return w;
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__cspViolations');
}

/** Replaces the whole text of a CodeMirror editor (the Playground's query and headers panes). */
async function replaceEditorText(
  page: Page,
  editor: ReturnType<Page['locator']>,
  text: string,
): Promise<void> {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe.skipIf(!haveChromium && !inCi)('GraphQL Playground in a browser', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let origin: string;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(
        `CI requires Chromium for the browser test and ${CHROMIUM} is missing: install Debian's chromium ` +
          '(see .ci/run) or set CHROMIUM_PATH',
      );
    }
    const config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    env = await prepareEmbedded(config);
    app = await createApp(env.config, { logger: false });
    setupDocs(app, env.config);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    origin = `http://127.0.0.1:${address.port}`;
    profile = await mkdtemp(join(tmpdir(), 'playground-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.close();
    if (profile) {
      await rm(profile, { recursive: true, force: true });
    }
  });

  it('runs replicationRules with the X-Api-Key set in the headers pane and shows the demo rule', async () => {
    const page = await browser.newPage();
    const seen = await watch(page, origin);

    // Given the Playground, opened the way a person does
    await page.goto(`${origin}/graphql`);
    const queryEditor = page.locator('.graphiql-wrapper .CodeMirror').first();
    await queryEditor.waitFor({ state: 'visible' });

    // When they paste the demo key into HTTP HEADERS and run replicationRules on demo-source
    const headersTab = page.locator('span', { hasText: /^\s*http headers\s*$/i });
    await headersTab.click();
    const headersEditor = headersTab.locator('xpath=../..').locator('.CodeMirror');
    await replaceEditorText(page, headersEditor, '{"X-Api-Key": "demo-admin-key"}');
    await replaceEditorText(
      page,
      queryEditor,
      'query {\n  replicationRules(bucket: "demo-source") {\n    id\n    status\n    destination { bucket location }\n  }\n}',
    );
    await page.locator('[title^="Execute Query"]').click();

    // Then the result pane lists the seeded rule
    const resultPane = page.locator('.CodeMirror', { has: page.locator('textarea[readonly]') });
    await expect
      .poll(async () => (await resultPane.innerText()).includes(DEMO_RULE.id), { timeout: 20_000 })
      .toBe(true);
    const result = await resultPane.innerText();
    expect(result).toContain('"replicationRules"');
    expect(result).toContain('demo-replica');
    expect(result).not.toContain('"errors"');
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });

    // …sent with the key from the headers pane, with nothing fetched off-origin and no CSP violation
    expect(seen.graphqlApiKeys).toContain('demo-admin-key');
    expect(seen.offOrigin).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('opens the OpenAPI UI at /docs from the gateway alone', async () => {
    const page = await browser.newPage();
    const seen = await watch(page, origin);
    await page.goto(`${origin}/docs`);
    await page.getByText('listReplicationRules').first().waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('.info .title').first().textContent()).resolves.toContain(
      'OSS Replication Gateway',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'openapi-ui.png') });
    expect(seen.offOrigin).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });
});
