import { describe, expect, it } from 'vitest';
import { displayBaseUrl, startupBanner } from './banner.js';
import { DEMO_CALLERS } from './demo-principals.js';
import { DEMO_BUCKETS } from './prepare-embedded.js';

describe(startupBanner.name, () => {
  it('prints every URL, the emulator and the demo keys with a curl example in embedded mode', () => {
    const text = startupBanner({
      mode: 'embedded',
      baseUrl: 'http://127.0.0.1:3000',
      principals: { file: '/tmp/oss-gateway-demo-x/principals.yaml', count: 3, demo: true },
      embedded: { emulatorUrl: 'http://127.0.0.1:9000', buckets: DEMO_BUCKETS, callers: DEMO_CALLERS },
    });
    for (const url of ['/v1', '/graphql', '/docs', '/docs/openapi.json']) {
      expect(text).toContain(`http://127.0.0.1:3000${url}`);
    }
    expect(text).toContain('embedded mode');
    expect(text).toContain('http://127.0.0.1:9000');
    for (const c of DEMO_CALLERS) {
      expect(text).toContain(c.apiKey);
    }
    expect(text).toContain(
      "curl -s -H 'X-Api-Key: demo-admin-key' http://127.0.0.1:3000/v1/buckets/demo-source/replication/rules",
    );
  });

  it('prints no demo key in upstream mode', () => {
    const text = startupBanner({
      mode: 'upstream',
      baseUrl: 'http://127.0.0.1:3000',
      principals: { file: '/etc/gateway/principals.yaml', count: 1, demo: false },
      oss: { region: 'cn-hangzhou' },
    });
    expect(text).toContain('upstream mode');
    expect(text).toContain('http://127.0.0.1:3000/graphql');
    expect(text).not.toContain('demo-');
  });

  it('names the principals file and how many principals it has', () => {
    const base = { baseUrl: 'http://127.0.0.1:3000', oss: { region: 'cn-hangzhou' } };
    const upstream = startupBanner({
      ...base,
      mode: 'upstream',
      principals: { file: '/etc/gateway/principals.yaml', count: 1, demo: false },
    });
    expect(upstream).toContain('  Principals          /etc/gateway/principals.yaml, 1 principal\n');
    const embedded = startupBanner({
      ...base,
      mode: 'embedded',
      principals: { file: '/tmp/demo/principals.yaml', count: 3, demo: true },
      embedded: { emulatorUrl: 'http://127.0.0.1:9000', buckets: DEMO_BUCKETS, callers: DEMO_CALLERS },
    });
    expect(embedded).toContain(
      '  Principals          demo principals file, 3 principals (/tmp/demo/principals.yaml)\n',
    );
  });
});

describe(displayBaseUrl.name, () => {
  it('shows a wildcard listen address as loopback and brackets IPv6', () => {
    expect(displayBaseUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000');
    expect(displayBaseUrl('::', 3000)).toBe('http://[::1]:3000');
    expect(displayBaseUrl('::1', 8080)).toBe('http://[::1]:8080');
    expect(displayBaseUrl('10.1.2.3', 80)).toBe('http://10.1.2.3:80');
  });
});
