import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isOssServiceError } from '../oss/errors.js';
import type { OssClient } from '../oss/oss-client.js';
import { OSS_CLIENT } from '../upstream/oss-client.token.js';
import { HealthRegistry, type HealthReport } from './health-indicator.js';

/** How long one probe's answer is reused: readiness probes do not each cost OSS a call. */
export const OSS_PROBE_TTL_MS = 5_000;
/** A probe that takes longer than this counts as unreachable (retries included). */
export const OSS_PROBE_TIMEOUT_MS = 3_000;

/** OSS codes that mean the gateway's own credentials are refused: nothing it forwards can succeed. */
const CREDENTIALS_REFUSED = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'SecurityTokenExpired',
  'InvalidSecurityToken',
  'AccessKeyDisabled',
]);

/** What one probe found, as readiness reports it. */
export function ossProbeReport(error: unknown, ms: number): HealthReport {
  if (error === undefined) {
    return { status: 'up', detail: `ListBuckets answered in ${ms} ms` };
  }
  if (isOssServiceError(error)) {
    if (error.status >= 500 || CREDENTIALS_REFUSED.has(error.code)) {
      return { status: 'down', detail: `ListBuckets: ${error.status} ${error.code}` };
    }
    // Reachable and signed correctly; these credentials may just not list buckets (AccessDenied).
    return { status: 'up', detail: `ListBuckets answered ${error.status} ${error.code} in ${ms} ms` };
  }
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : 'unknown failure';
  return {
    status: 'down',
    detail: `ListBuckets failed (${typeof code === 'string' ? `${code}: ` : ''}${message})`,
  };
}

/**
 * Readiness entry `oss`: one signed ListBuckets (`GET /` with `max-keys=1`) to the configured endpoint,
 * reused for {@link OSS_PROBE_TTL_MS} and shared by concurrent probes. Down when OSS cannot be reached,
 * answers 5xx, or refuses the gateway's credentials; up on any other answer. Not audited: it is the
 * gateway's own call, on behalf of no caller.
 */
@Injectable()
export class OssReachability implements OnModuleInit {
  private cached: { report: HealthReport; until: number } | undefined;
  private inFlight: Promise<HealthReport> | undefined;

  constructor(
    @Inject(OSS_CLIENT) private readonly client: Pick<OssClient, 'request'>,
    private readonly registry: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({ name: 'oss', check: () => this.check() });
  }

  check(now = Date.now()): Promise<HealthReport> {
    if (this.cached && this.cached.until > now) {
      return Promise.resolve(this.cached.report);
    }
    return (this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
    }));
  }

  private async probe(): Promise<HealthReport> {
    const started = performance.now();
    let failure: unknown;
    try {
      await this.client.request({
        method: 'GET',
        query: { 'max-keys': '1' },
        signal: AbortSignal.timeout(OSS_PROBE_TIMEOUT_MS),
      });
    } catch (error) {
      failure = error ?? new Error('unknown failure');
    }
    const report = ossProbeReport(failure, Math.round(performance.now() - started));
    this.cached = { report, until: Date.now() + OSS_PROBE_TTL_MS };
    return report;
  }
}
