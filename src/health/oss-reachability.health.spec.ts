import { describe, expect, it, vi } from 'vitest';
import { OssClientError, OssServiceError } from '../oss/errors.js';
import { HealthRegistry } from './health-indicator.js';
import { OSS_PROBE_TTL_MS, OssReachability, ossProbeReport } from './oss-reachability.health.js';

const refused = (status: number, code: string) => new OssServiceError({ status, code, message: code });

describe(ossProbeReport.name, () => {
  it.each([
    [undefined, 'up'],
    [refused(403, 'AccessDenied'), 'up'],
    [refused(403, 'InvalidAccessKeyId'), 'down'],
    [refused(403, 'SignatureDoesNotMatch'), 'down'],
    [refused(503, 'ServiceUnavailable'), 'down'],
    [new OssClientError('NetworkError', 'connect ECONNREFUSED'), 'down'],
    [new OssClientError('CredentialsError', 'No OSS credentials are configured.'), 'down'],
  ])('reports %s as %s', (error, status) => {
    expect(ossProbeReport(error, 3).status).toBe(status);
  });
});

describe(OssReachability.name, () => {
  it('reuses one probe for a few seconds and shares it between concurrent checks', async () => {
    const request = vi.fn(() => Promise.resolve({ status: 200, headers: {}, body: '', requestId: 'r' }));
    const registry = new HealthRegistry();
    const probe = new OssReachability({ request } as never, registry);
    probe.onModuleInit();
    const [a, b] = await Promise.all([probe.check(), probe.check()]);
    expect(a).toEqual(b);
    expect(a.status).toBe('up');
    expect(request).toHaveBeenCalledTimes(1);
    await probe.check();
    expect(request).toHaveBeenCalledTimes(1);
    await probe.check(Date.now() + OSS_PROBE_TTL_MS + 1);
    expect(request).toHaveBeenCalledTimes(2);
    expect((await registry.checkAll()).map(([name]) => name)).toEqual(['oss']);
  });
});
