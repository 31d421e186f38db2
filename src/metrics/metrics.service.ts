import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
