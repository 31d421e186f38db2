import { randomUUID } from 'node:crypto';
import type { CredentialsSource } from './credentials/credentials-provider.js';
import type { Addressing } from './endpoint.js';
import { assertValidBucketName, EndpointResolver } from './endpoint.js';
import { OssClientError } from './errors.js';
import type {
  DeleteBucketReplicationOutput,
  GetBucketLocationOutput,
  GetBucketReplicationLocationOutput,
  GetBucketReplicationOutput,
  GetBucketReplicationProgressOutput,
  PutBucketReplicationOutput,
  PutBucketRtcOutput,
  ReplicationRuleInput,
} from './models/replication.js';
import { GetBucketLocation } from './operations/bucket-location.js';
import {
  DeleteBucketReplication,
  GetBucketReplication,
  PutBucketReplication,
} from './operations/bucket-replication.js';
import { GetBucketReplicationLocation } from './operations/bucket-replication-location.js';
import { GetBucketReplicationProgress } from './operations/bucket-replication-progress.js';
import { PutBucketRtc } from './operations/bucket-rtc.js';
import { ListBuckets } from './operations/list-buckets.js';
import type { ListBucketsInput, ListBucketsOutput } from './models/service.js';
import { normalizeRegion } from './region.js';
import type { HttpRequestSpec, OssHttpResponse, OssOperation } from './operations/operation.js';
import type { BreakerSnapshot, CircuitBreakerOptions } from './breaker/circuit-breakers.js';
import { CircuitBreakers, DEFAULT_CIRCUIT_BREAKER } from './breaker/circuit-breakers.js';
import { checkResponseMiddleware } from './pipeline/check-response.middleware.js';
import { circuitBreakerMiddleware } from './pipeline/circuit-breaker.middleware.js';
import type { Handler, Middleware, OssLogger, OssResilienceObserver } from './pipeline/pipeline.js';
import { composePipeline } from './pipeline/pipeline.js';
import type { RetryPolicy, Sleep } from './pipeline/retry.middleware.js';
import { defaultSleep, retryMiddleware } from './pipeline/retry.middleware.js';
import { signMiddleware } from './pipeline/sign.middleware.js';
import { transportHandler } from './pipeline/transport.handler.js';
import { ClockSkew } from './retry/clock-skew.js';
import type { RetryQuotaOptions } from './retry/retry-quota.js';
import { DEFAULT_RETRY_QUOTA, RetryQuota } from './retry/retry-quota.js';
import type { SignatureVersion } from './signer/signer.js';
import { createSigner } from './signer/signer.js';
import type { QueryPair } from './signer/types.js';
import type { HttpTransport } from './transport/http-transport.js';
import { UndiciTransport } from './transport/http-transport.js';

export interface OssClientOptions {
  /** Default region: `cn-hangzhou` or `oss-cn-hangzhou`. */
  region: string;
  /** Endpoint override, `host[:port]` or `http(s)://host[:port]` (e.g. the emulator). */
  endpoint?: string;
  /** Virtual-hosted by default; path style is forced for IP/localhost endpoints. */
  addressing?: Addressing;
  /** Use `oss-<region>-internal.aliyuncs.com`. */
  internal?: boolean;
  credentials: CredentialsSource;
  /** Default `v4`. */
  signatureVersion?: SignatureVersion;
  timeouts: { connectMs: number; requestMs: number };
  retry: RetryPolicy;
  /** The client-wide retry token bucket (default: the AWS SDKs' 500 tokens, 5 a retry, 10 after a reset/timeout). */
  retryQuota?: RetryQuotaOptions;
  /** Breakers per (operation, endpoint) (default: open after 5 consecutive failures, probe after 10 s); `false` = none. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Hooks for metrics of retries, the quota and the breakers. */
  observer?: OssResilienceObserver;
  /** Injected clock (default `new Date()`). */
  clock?: () => Date;
  /** Injected back-off sleep and jitter source (tests). */
  sleep?: Sleep;
  random?: () => number;
  /** Default: undici keep-alive transport built from `timeouts`. */
  transport?: HttpTransport;
  userAgent?: string;
  /** Rule id generator for rules created without an id (default `crypto.randomUUID`). */
  generateRuleId?: () => string;
  /** How long a bucket's discovered location stays cached (default 10 min; at most 1,000 buckets). */
  locationCacheTtlMs?: number;
  /** Debug logging of signatures and retries (never secrets). */
  logger?: OssLogger;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Sign for and address this region instead of the client's default. */
  region?: string;
}

export interface OssRawRequest {
  method: string;
  bucket?: string;
  key?: string;
  /** Decoded pairs (`null` = bare key) or a record (`null` = bare key). */
  query?: QueryPair[] | Record<string, string | null>;
  /** Names the call for its circuit breaker and metrics (default `Request`); keep the set of names small. */
  operation?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  region?: string;
  signal?: AbortSignal;
}

export interface OssRawResponse extends OssHttpResponse {
  requestId: string;
}

/** What the client's resilience state is now: for gauges. */
export interface OssResilienceSnapshot {
  retryQuota: { available: number; capacity: number };
  breakers: BreakerSnapshot[];
}

const DEFAULT_USER_AGENT = 'oss-replication-gateway/0.1';
const LOCATION_CACHE_MAX = 1000;

interface CachedLocation {
  output: GetBucketLocationOutput;
  expiresAt: number;
}

/**
 * OSS client for the replication API. Every call runs the pipeline
 * retry → circuit breaker → sign → check-response → transport: each attempt is signed afresh with the
 * skew-corrected clock; non-2xx answers become `OssServiceError`; transport failures `OssClientError`.
 * Retries draw on one retry quota per client; each (operation, endpoint) has its own breaker, which
 * refuses attempts with `CircuitOpenError` while open.
 */
export class OssClient {
  readonly region: string;
  private readonly endpoint: EndpointResolver;
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;
  private readonly clock: () => Date;
  private readonly skew: ClockSkew;
  private readonly pipeline: Handler;
  private readonly retryQuota: RetryQuota;
  private readonly breakers: CircuitBreakers | undefined;
  private readonly generateRuleId: () => string;
  private readonly locationTtlMs: number;
  private readonly locationCache = new Map<string, CachedLocation>();
  private readonly locationInFlight = new Map<string, Promise<GetBucketLocationOutput>>();

  constructor(options: OssClientOptions) {
    this.region = normalizeRegion(options.region);
    this.endpoint = new EndpointResolver({
      region: this.region,
      endpoint: options.endpoint,
      addressing: options.addressing,
      internal: options.internal,
    });
    this.ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ??
      new UndiciTransport({
        connectTimeoutMs: options.timeouts.connectMs,
        requestTimeoutMs: options.timeouts.requestMs,
      });
    this.clock = options.clock ?? (() => new Date());
    this.skew = new ClockSkew(this.clock);
    this.generateRuleId = options.generateRuleId ?? randomUUID;
    this.locationTtlMs = options.locationCacheTtlMs ?? 600_000;
    if (options.retry.maxAttempts < 1) {
      throw new OssClientError('InvalidArgument', 'retry.maxAttempts must be at least 1');
    }
    this.retryQuota = new RetryQuota(options.retryQuota ?? DEFAULT_RETRY_QUOTA);
    const observer = options.observer;
    this.breakers =
      options.circuitBreaker === false
        ? undefined
        : new CircuitBreakers(options.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER, (snapshot) =>
            observer?.breakerStateChanged?.(snapshot),
          );
    const breakerStage: Middleware[] = this.breakers
      ? [
          circuitBreakerMiddleware({
            breakers: this.breakers,
            endpointOf: (ctx) => this.endpoint.endpointHost(ctx.region),
            ...(observer ? { observer } : {}),
          }),
        ]
      : [];
    this.pipeline = composePipeline(
      [
        retryMiddleware({
          policy: options.retry,
          requestTimeoutMs: options.timeouts.requestMs,
          clock: this.skew,
          now: () => this.clock().getTime(),
          sleep: options.sleep ?? defaultSleep,
          random: options.random ?? Math.random,
          quota: this.retryQuota,
          ...(observer ? { observer } : {}),
          logger: options.logger,
        }),
        ...breakerStage,
        signMiddleware({
          signer: createSigner(options.signatureVersion ?? 'v4'),
          credentials: options.credentials,
          clock: this.skew,
          userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
          logger: options.logger,
        }),
        checkResponseMiddleware,
      ],
      transportHandler(this.endpoint, this.transport),
    );
  }

  /** The retry quota's level and every circuit breaker's state, now. */
  resilience(): OssResilienceSnapshot {
    return {
      retryQuota: { available: this.retryQuota.available, capacity: this.retryQuota.capacity },
      breakers: this.breakers?.snapshot() ?? [],
    };
  }

  /** Current clock correction learned from `RequestTimeTooSkewed` (ms). */
  get clockOffsetMs(): number {
    return this.skew.offsetMs;
  }

  /** Runs one typed operation through the pipeline. */
  async send<I, O>(operation: OssOperation<I, O>, input: I, options: CallOptions = {}): Promise<O> {
    const spec = operation.serialize(input);
    const response = await this.execute(operation.name, spec, options);
    return operation.deserialize(response, input);
  }

  /** Creates one replication rule; the id is generated when absent and always returned. */
  putBucketReplication(
    bucket: string,
    rule: ReplicationRuleInput,
    options?: CallOptions,
  ): Promise<PutBucketReplicationOutput> {
    const id = rule.id ?? this.generateRuleId();
    return this.send(PutBucketReplication, { bucket, rule: { ...rule, id } }, options);
  }

  putBucketRtc(
    bucket: string,
    ruleId: string,
    enabled: boolean,
    options?: CallOptions,
  ): Promise<PutBucketRtcOutput> {
    return this.send(PutBucketRtc, { bucket, ruleId, enabled }, options);
  }

  /** Rules of the bucket; a bucket without configuration fails with `NoSuchReplicationConfiguration` (404). */
  getBucketReplication(bucket: string, options?: CallOptions): Promise<GetBucketReplicationOutput> {
    return this.send(GetBucketReplication, { bucket }, options);
  }

  getBucketReplicationLocation(
    bucket: string,
    options?: CallOptions,
  ): Promise<GetBucketReplicationLocationOutput> {
    return this.send(GetBucketReplicationLocation, { bucket }, options);
  }

  /** Progress of one rule (`ruleId`), or of every rule of the bucket when `ruleId` is undefined. */
  getBucketReplicationProgress(
    bucket: string,
    ruleId: string | undefined,
    options?: CallOptions,
  ): Promise<GetBucketReplicationProgressOutput> {
    return this.send(
      GetBucketReplicationProgress,
      ruleId === undefined ? { bucket } : { bucket, ruleId },
      options,
    );
  }

  deleteBucketReplication(
    bucket: string,
    ruleId: string,
    options?: CallOptions,
  ): Promise<DeleteBucketReplicationOutput> {
    return this.send(DeleteBucketReplication, { bucket, ruleId }, options);
  }

  /**
   * ListBuckets (GetService): one page of the buckets the credentials' account owns. Follow
   * `nextMarker` while `isTruncated` for the rest.
   */
  listBuckets(input: ListBucketsInput = {}, options?: CallOptions): Promise<ListBucketsOutput> {
    return this.send(ListBuckets, input, options);
  }

  /** `GET /?location`, cached per bucket (TTL, bounded); concurrent misses share one request. */
  async getBucketLocation(bucket: string, options: CallOptions = {}): Promise<GetBucketLocationOutput> {
    assertValidBucketName(bucket);
    const now = this.clock().getTime();
    const cached = this.locationCache.get(bucket);
    if (cached && cached.expiresAt > now) {
      return cached.output;
    }
    const pending = this.locationInFlight.get(bucket);
    if (pending) {
      return pending;
    }
    const request = this.fetchBucketLocation(bucket, options);
    this.locationInFlight.set(bucket, request);
    try {
      return await request;
    } finally {
      this.locationInFlight.delete(bucket);
    }
  }

  /** The bucket's region id (`cn-beijing`), discovered through the cached GetBucketLocation. */
  async resolveBucketRegion(bucket: string, options: CallOptions = {}): Promise<string> {
    const { location } = await this.getBucketLocation(bucket, options);
    return normalizeRegion(location);
  }

  /** The bucket's location from the cache, without a request; undefined when not cached (or expired). */
  cachedBucketLocation(bucket: string): GetBucketLocationOutput | undefined {
    const cached = this.locationCache.get(bucket);
    return cached !== undefined && cached.expiresAt > this.clock().getTime() ? cached.output : undefined;
  }

  /** {@link resolveBucketRegion} answered from the cache only; undefined when the location is not cached. */
  cachedBucketRegion(bucket: string): string | undefined {
    const output = this.cachedBucketLocation(bucket);
    return output === undefined ? undefined : normalizeRegion(output.location);
  }

  /** Forgets a cached bucket location (e.g. after the bucket was deleted). */
  forgetBucketLocation(bucket: string): void {
    this.locationCache.delete(bucket);
  }

  /** Generic signed, retried, error-checked request (for buckets, objects and anything else OSS serves). */
  async request(request: OssRawRequest): Promise<OssRawResponse> {
    const query: QueryPair[] = Array.isArray(request.query)
      ? request.query
      : Object.entries(request.query ?? {}).map(([k, v]): QueryPair => [k, v]);
    const spec: HttpRequestSpec = {
      method: request.method.toUpperCase(),
      bucket: request.bucket,
      key: request.key,
      query,
      headers: { ...request.headers },
      body: request.body,
    };
    const response = await this.execute(request.operation ?? 'Request', spec, {
      signal: request.signal,
      region: request.region,
    });
    return { ...response, requestId: response.headers['x-oss-request-id'] ?? '' };
  }

  /** Closes the keep-alive connections of the transport this client created. */
  async close(): Promise<void> {
    if (this.ownsTransport) {
      await this.transport.close();
    }
  }

  /** One GetBucketLocation request, its answer cached (the oldest entry makes room when full). */
  private async fetchBucketLocation(bucket: string, options: CallOptions): Promise<GetBucketLocationOutput> {
    const output = await this.send(GetBucketLocation, { bucket }, options);
    if (this.locationCache.size >= LOCATION_CACHE_MAX) {
      const oldest = this.locationCache.keys().next().value;
      if (oldest !== undefined) {
        this.locationCache.delete(oldest);
      }
    }
    this.locationCache.set(bucket, { output, expiresAt: this.clock().getTime() + this.locationTtlMs });
    return output;
  }

  private execute(operation: string, spec: HttpRequestSpec, options: CallOptions): Promise<OssHttpResponse> {
    if (spec.bucket !== undefined) {
      assertValidBucketName(spec.bucket);
    }
    const region = normalizeRegion(options.region ?? spec.region ?? this.region);
    return this.pipeline({
      spec,
      operation,
      region,
      signal: options.signal,
      attempt: 0,
      timeoutMs: 0,
      headers: {},
    });
  }
}
