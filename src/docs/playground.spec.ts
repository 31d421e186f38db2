import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defaultPlaygroundQuery,
  loadPlaygroundAssets,
  PLAYGROUND_ASSET_PREFIX,
  renderPlayground,
} from './playground.js';

describe(renderPlayground.name, () => {
  const page = renderPlayground({ endpoint: '/graphql', embedded: true });

  it('references only assets under the gateway’s own Playground prefix', () => {
    const refs = [...page.html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref).toMatch(new RegExp(`^${PLAYGROUND_ASSET_PREFIX}/`));
    }
    expect(page.html).not.toContain('fonts.googleapis.com');
    expect(page.html).not.toContain('cdn.jsdelivr.net');
  });

  it('has one asset file for every reference', () => {
    const assets = loadPlaygroundAssets();
    const refs = [...page.html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    for (const ref of refs) {
      expect(assets.get(ref)?.body.length, ref).toBeGreaterThan(0);
    }
  });

  it('allows exactly the inline script it contains through a CSP hash', () => {
    const inline = [...page.html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)];
    expect(inline).toHaveLength(1);
    const hash = createHash('sha256').update(inline[0][1]).digest('base64');
    expect(page.contentSecurityPolicy).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(page.contentSecurityPolicy).not.toMatch(/unsafe-eval|https?:/);
  });
});

describe(defaultPlaygroundQuery.name, () => {
  it('names the demo keys and the demo bucket in embedded mode only', () => {
    expect(defaultPlaygroundQuery(true)).toContain('demo-admin-key');
    expect(defaultPlaygroundQuery(true)).toContain('replicationRules(bucket: "demo-source")');
    expect(defaultPlaygroundQuery(false)).not.toContain('demo-');
    expect(defaultPlaygroundQuery(false)).toContain('X-Api-Key');
  });
});
