import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the upstream client reports of its protection (the shape of `OssClient.resilience()`). */
export interface UpstreamResilienceView {
  retryQuota: { available: number; capacity: number };
  breakers: ReadonlyArray<{ operation: string; endpoint: string; state: 'closed' | 'open' | 'half-open' }>;
}

/** `gateway_oss_circuit_breaker_state` values. */
export const BREAKER_STATE_VALUE = { closed: 0, open: 1, 'half-open': 2 } as const;

/** Prometheus metrics of this process (one registry per app instance, so tests stay isolated). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'gateway_authorization_decisions_total',
    help: 'Authorization decisions by action and decision.',
    labelNames: ['action', 'decision'] as const,
    registers: [this.registry],
  });
  readonly ossCalls = new Histogram({
    name: 'gateway_oss_request_duration_seconds',
    help: 'Calls forwarded to OSS by operation and outcome (HTTP status or error code).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly edgeRejections = new Counter({
    name: 'gateway_http_edge_rejections_total',
    help: 'Requests the HTTP edge refused before any route ran, by reason (JSON limits, duplicated headers, timeouts, load shedding…).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly auditDropped = new Counter({
    name: 'gateway_audit_write_failures_total',
    help: 'Audit batches that could not be written (events are retried, never silently dropped).',
    registers: [this.registry],
  });

  /**
   * Retries of OSS calls by operation and reason (`throttling`, `transient`, `server-error`,
   * `adjust-clock`): each one an extra call OSS saw.
   */
  readonly ossRetries = new Counter({
    name: 'gateway_oss_retries_total',
    help: 'Retries of OSS calls by operation and reason (throttling, transient, server-error, adjust-clock).',
    labelNames: ['operation', 'reason'] as const,
    registers: [this.registry],
  });
  readonly ossRetryQuotaExhausted = new Counter({
    name: 'gateway_oss_retry_quota_exhausted_total',
    help: 'Retries of OSS calls not made because the retry quota was too low, by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly ossShortCircuited = new Counter({
    name: 'gateway_oss_short_circuited_total',
    help: 'OSS calls an open circuit breaker answered without sending them, by operation and endpoint.',
    labelNames: ['operation', 'endpoint'] as const,
    registers: [this.registry],
  });
  private upstreamResilience?: () => UpstreamResilienceView;
  readonly ossBreakerState = new Gauge({
    name: 'gateway_oss_circuit_breaker_state',
    help: 'Circuit breaker per OSS operation and endpoint: 0 closed, 1 open, 2 half-open (probing).',
    labelNames: ['operation', 'endpoint'] as const,
    registers: [this.registry],
    collect: () => {
      for (const breaker of this.upstreamResilience?.().breakers ?? []) {
        this.ossBreakerState.set(
          { operation: breaker.operation, endpoint: breaker.endpoint },
          BREAKER_STATE_VALUE[breaker.state],
        );
      }
    },
  });
  readonly ossRetryQuota = new Gauge({
    name: 'gateway_oss_retry_quota_tokens',
    help: 'Tokens left in the OSS retry quota (a retry costs 5, after a reset or timeout 10).',
    registers: [this.registry],
    collect: () => {
      const view = this.upstreamResilience?.();
      if (view) {
        this.ossRetryQuota.set(view.retryQuota.available);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the breaker-state and retry-quota gauges read from at each scrape (the upstream module sets it). */
  observeUpstream(source: () => UpstreamResilienceView): void {
    this.upstreamResilience = source;
  }
}
