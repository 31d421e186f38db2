import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findOutsidePaths, findOutsidePathsInRepository } from './utils/repo-paths.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Checks `source` as if it were the file at `path` (relative to the repository root). */
function check(path: string, source: string) {
  return findOutsidePaths(ROOT, resolve(ROOT, path), source).map(({ line, rule }) => ({ line, rule }));
}

const PATH_IMPORTS =
  "import { dirname, join, resolve } from 'node:path'; import { fileURLToPath } from 'node:url';";

// The planted offenders' paths are assembled, so this file names no outside path itself.
const DESIGN_FOLDER = ['shared', 'reference'].join('/');
const MACHINE_FOLDER = ['wo', 'rk'].join('');

describe('files under src/, test/, bench/ and scripts/ read nothing outside the repository', () => {
  it('holds for every file of the repository', () => {
    // Then no literal or path expression names a path outside the repository
    expect(findOutsidePathsInRepository(ROOT)).toEqual([]);
  });

  describe('the checker', () => {
    // Given source text planted as if it were a file of the repository (line 2; line 1 imports)
    it.each([
      ['src/auth/ram/x.spec.ts', `new URL('../../../../${DESIGN_FOLDER}/c.json', u);`, 'design-folder'],
      [
        'src/auth/ram/x.spec.ts',
        "new URL('../../../../other/c.json', import.meta.url);",
        'escapes-repository',
      ],
      [
        'src/oss/signer/x.spec.ts',
        "const r = resolve(dirname(fileURLToPath(import.meta.url)), '../../..'); resolve(r, '../o/v.json');",
        'escapes-repository',
      ],
      [
        'test/e2e/x.e2e-spec.ts',
        "fileURLToPath(new URL('../../../other/v.json', import.meta.url));",
        'escapes-repository',
      ],
      ['test/e2e/x.e2e-spec.ts', `readFileSync('/${MACHINE_FOLDER}/elsewhere/v.json');`, 'machine-path'],
      [
        'test/e2e/x.e2e-spec.ts',
        "readFileSync(join(__dirname, '..', '..', '..', 'sibling', 'v.json'));",
        'escapes-repository',
      ],
      [
        'bench/x.ts',
        "readFileSync(join(import.meta.dirname, '../../sibling/v.json'));",
        'escapes-repository',
      ],
      ['scripts/x.ts', "const data = await import('../../sibling/data.js');", 'escapes-repository'],
      ['test/e2e/x.e2e-spec.ts', "readFileSync('../sibling/v.json');", 'escapes-repository'],
      [
        'test/e2e/x.e2e-spec.ts',
        "const up = resolve(process.cwd(), '..'); readFileSync(`${up}/v.json`);",
        'escapes-repository',
      ],
    ])('reports %s: %s', (path, source, rule) => {
      // Then the checker reports it on its line
      expect(check(path, `${PATH_IMPORTS}\n${source}`)).toContainEqual({ line: 2, rule });
    });

    it.each([
      ['test/e2e/x.e2e-spec.ts', "new URL('../fixtures/reference/signing-vectors.json', import.meta.url);"],
      [
        'src/oss/signer/x.spec.ts',
        "const r = resolve(dirname(fileURLToPath(import.meta.url)), '../../..'); resolve(r, 'test/v.json');",
      ],
      ['test/e2e/x.e2e-spec.ts', "import { createApp } from '../../src/app.factory.js';"],
      ['test/browser/x.browser-spec.ts', "const C = '/usr/bin/chromium'; page.locator('xpath=../..');"],
      [
        'src/x.ts',
        "const base = '/v1/buckets/demo'; const url = `${base}/replication/rules`; [a, b].join('/');",
      ],
      ['test/x.spec.ts', "if (value.startsWith('../')) { return new Promise((done) => done('../../..')); }"],
    ])('accepts %s: %s', (path, source) => {
      expect(check(path, `${PATH_IMPORTS}\n${source}`)).toEqual([]);
    });
  });
});
