import { createHash } from 'node:crypto';
import { renderPlaygroundPage } from 'graphql-playground-html';
import { assetsFrom, docsContentSecurityPolicy, packageDir, type StaticAsset } from './static-assets.js';

/** Where the Playground's own files are served from: the gateway itself, never a CDN. */
export const PLAYGROUND_ASSET_PREFIX = '/graphql/playground';

/** The files of `graphql-playground-react`'s build that the page needs (paths under `build/`). */
export const PLAYGROUND_FILES = [
  'static/js/middleware.js',
  'static/css/index.css',
  'favicon.png',
  'logo.png',
];

export function loadPlaygroundAssets(): Map<string, StaticAsset> {
  return assetsFrom(
    `${packageDir('graphql-playground-react')}/build`,
    PLAYGROUND_ASSET_PREFIX,
    PLAYGROUND_FILES,
  );
}

export interface PlaygroundPageOptions {
  /** The GraphQL endpoint, relative to the page's origin. */
  endpoint: string;
  /** Embedded mode: the default tab names the demo bucket and demo keys. */
  embedded: boolean;
}

export interface PlaygroundPage {
  html: string;
  /** A Content-Security-Policy that allows this page's inline script by hash and nothing off-origin. */
  contentSecurityPolicy: string;
}

/** The query the default tab opens with; comments explain where the API key goes. */
export function defaultPlaygroundQuery(embedded: boolean): string {
  const keyHelp = embedded
    ? [
        '# Every request needs an API key: open HTTP HEADERS',
        '# (bottom left) and paste one of the demo keys:',
        '#   {"X-Api-Key": "demo-admin-key"}',
        '#       full access',
        '#   {"X-Api-Key": "demo-viewer-key"}',
        '#       read-only replication',
        '#   {"X-Api-Key": "demo-rtc-operator-key"}',
        '#       read, plus RTC on demo-source',
      ]
    : [
        '# Every request needs an API key: open HTTP HEADERS',
        '# (bottom left) and set',
        '#   {"X-Api-Key": "<your API key>"}',
        '# or',
        '#   {"Authorization": "Bearer <API key or JWT>"}',
      ];
  const bucket = embedded ? 'demo-source' : 'my-bucket';
  return [
    '# OSS Replication Gateway',
    '#',
    ...keyHelp,
    '',
    'query ReplicationRules {',
    `  replicationRules(bucket: "${bucket}") {`,
    '    id',
    '    status',
    '    destination {',
    '      bucket',
    '      location',
    '    }',
    '    progress {',
    '      historicalObjectProgress',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

const CDN_PREFIX = `${PLAYGROUND_ASSET_PREFIX}/graphql-playground-react/build/`;
const EXTERNAL_FONTS = /<link href="https:\/\/fonts\.googleapis\.com[^>]*>/;
const INLINE_SCRIPT = /<script type="text\/javascript">([\s\S]*?)<\/script>/g;

/**
 * Renders the Playground page with `graphql-playground-html`, with its asset URLs pointed at the
 * gateway's own origin and the only third-party reference (a web-font stylesheet) removed.
 */
export function renderPlayground(options: PlaygroundPageOptions): PlaygroundPage {
  const rendered = renderPlaygroundPage({
    endpoint: options.endpoint,
    title: 'OSS Replication Gateway — GraphQL Playground',
    cdnUrl: PLAYGROUND_ASSET_PREFIX,
    faviconUrl: `${PLAYGROUND_ASSET_PREFIX}/favicon.png`,
    settings: {
      'editor.reuseHeaders': true,
      'request.credentials': 'omit',
      'schema.polling.enable': false,
      'tracing.hideTracingResponse': true,
    },
    tabs: [
      {
        endpoint: options.endpoint,
        name: 'Replication rules',
        query: defaultPlaygroundQuery(options.embedded),
      },
    ],
  });
  const html = rendered.split(CDN_PREFIX).join(`${PLAYGROUND_ASSET_PREFIX}/`).replace(EXTERNAL_FONTS, '');
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
  const contentSecurityPolicy = docsContentSecurityPolicy(hashes);
  return { html, contentSecurityPolicy };
}
