import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePrincipalsFile } from '../auth/principals/principals-file.js';
import { DEMO_CALLERS, demoPrincipalsYaml } from './demo-principals.js';

describe(demoPrincipalsYaml.name, () => {
  it('is a valid principals file with the three demo callers', () => {
    const result = parsePrincipalsFile(
      demoPrincipalsYaml(),
      'principals.yaml',
      new Date('2024-01-01T00:00:00Z'),
    );
    expect(result.ok).toBe(true);
  });

  it('stores each documented key as its sha256 digest, never in plain text', () => {
    const text = demoPrincipalsYaml();
    for (const caller of DEMO_CALLERS) {
      const digest = createHash('sha256').update(caller.apiKey).digest('hex');
      expect(text).toContain(`sha256: "${digest}"`);
    }
    expect(text).not.toMatch(/^\s*secret:/m);
    expect(DEMO_CALLERS.map((c) => c.apiKey)).toEqual([
      'demo-admin-key',
      'demo-viewer-key',
      'demo-rtc-operator-key',
    ]);
  });

  it('limits the rtc-operator’s RTC permission to demo-source', () => {
    expect(demoPrincipalsYaml()).toContain('Resource: ["acs:oss:*:*:demo-source"]');
  });
});
