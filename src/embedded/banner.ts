import type { DemoCaller } from './demo-principals.js';

export interface StartupBannerInput {
  mode: 'embedded' | 'upstream';
  /** `http://host:port` the gateway listens on (a wildcard host is shown as 127.0.0.1). */
  baseUrl: string;
  /** The principals file loaded at start-up (absolute path) and how many principals it has. */
  principals: {
    file: string;
    count: number;
    /** The embedded demo file (its keys are listed below). */ demo: boolean;
  };
  /** Upstream mode: where OSS calls go. */
  oss?: { region: string; endpoint?: string };
  /** Embedded mode: the emulator and the demo callers. */
  embedded?: {
    emulatorUrl: string;
    buckets: ReadonlyArray<{ name: string; region: string }>;
    callers: readonly DemoCaller[];
  };
}

/** Host part of a listen address as a browser can use it. */
export function displayBaseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `http://${shown.includes(':') && !shown.startsWith('[') ? `[${shown}]` : shown}:${port}`;
}

function principalsLine({ file, count, demo }: StartupBannerInput['principals']): string {
  const counted = `${count} ${count === 1 ? 'principal' : 'principals'}`;
  return demo ? `demo principals file, ${counted} (${file})` : `${file}, ${counted}`;
}

/** What `npm start` prints: the mode, every URL, and in embedded mode the demo keys with a curl example. */
export function startupBanner(input: StartupBannerInput): string {
  const { baseUrl } = input;
  const lines: string[] = [];
  if (input.mode === 'embedded') {
    lines.push('OSS Replication Gateway — embedded mode (in-process OSS emulator with demo data)');
  } else {
    const endpoint = input.oss?.endpoint ?? 'the public OSS endpoint';
    lines.push(
      `OSS Replication Gateway — upstream mode (OSS region ${input.oss?.region ?? '?'}, ${endpoint})`,
    );
  }
  lines.push(
    `  REST API            ${baseUrl}/v1`,
    `  GraphQL Playground  ${baseUrl}/graphql`,
    `  OpenAPI UI          ${baseUrl}/docs`,
    `  OpenAPI document    ${baseUrl}/docs/openapi.json`,
    `  Health              ${baseUrl}/health/ready`,
    `  Principals          ${principalsLine(input.principals)}`,
  );
  const embedded = input.embedded;
  if (input.mode === 'embedded' && embedded) {
    const buckets = embedded.buckets.map((b) => `${b.name} (${b.region})`).join(', ');
    lines.push(`  OSS emulator        ${embedded.emulatorUrl}  buckets: ${buckets}`, '');
    if (embedded.callers.length === 0) {
      lines.push('Callers come from GATEWAY_PRINCIPALS_FILE; the demo API keys are disabled.', '');
      return lines.join('\n');
    }
    lines.push(
      'Demo API keys (embedded mode only; send as "X-Api-Key: <key>" or "Authorization: Bearer <key>"):',
    );
    const width = Math.max(...embedded.callers.map((c) => c.apiKey.length));
    const who = Math.max(...embedded.callers.map((c) => c.principal.length));
    for (const c of embedded.callers) {
      lines.push(`  ${c.apiKey.padEnd(width)}  ${c.principal.padEnd(who)}  ${c.description}`);
    }
    const admin = embedded.callers.find((c) => c.principal === 'admin') ?? embedded.callers[0];
    if (admin) {
      lines.push(
        '',
        'Try it:',
        `  curl -s -H 'X-Api-Key: ${admin.apiKey}' ${baseUrl}/v1/buckets/demo-source/replication/rules`,
        `  curl -s -H 'X-Api-Key: ${admin.apiKey}' -H 'Content-Type: application/json' ${baseUrl}/graphql \\`,
        `    -d '{"query":"{ replicationRules(bucket: \\"demo-source\\") { id status progress { historicalObjectProgress } } }"}'`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}
