import { isIP } from 'node:net';
import { OssClientError } from './errors.js';
import { isValidBucketName } from './limits.js';
import { normalizeRegion } from './region.js';
import { uriEncode } from './signer/encoding.js';
import type { QueryPair } from './signer/types.js';

export type Addressing = 'virtual' | 'path';

/** Throws `InvalidBucketName` unless `bucket` follows the OSS naming rules (3–63 of `a-z0-9-`, no leading/trailing `-`). */
export function assertValidBucketName(bucket: string): void {
  if (!isValidBucketName(bucket)) {
    throw new OssClientError(
      'InvalidBucketName',
      `Invalid bucket name: ${JSON.stringify(bucket.slice(0, 80))}`,
    );
  }
}

/** `oss-<region>.aliyuncs.com`, or `oss-<region>-internal.aliyuncs.com` from inside the region's VPC. */
export function defaultEndpointHost(region: string, internal = false): string {
  return `oss-${normalizeRegion(region)}${internal ? '-internal' : ''}.aliyuncs.com`;
}

export interface EndpointOptions {
  /** Default region (`cn-hangzhou` or `oss-cn-hangzhou`). */
  region: string;
  /** Override: `host[:port]` or a URL with scheme (`http://127.0.0.1:9000`). Default scheme https. */
  endpoint?: string;
  addressing?: Addressing;
  internal?: boolean;
}

export interface ResolvedUrl {
  /** `scheme://host[:port]` to connect to. */
  origin: string;
  /** Request target: path + query string. */
  path: string;
  /** Host header value (what the origin implies). */
  host: string;
  addressing: Addressing;
}

function isIpOrLocalhost(hostname: string): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return bare === 'localhost' || bare.endsWith('.localhost') || isIP(bare) !== 0;
}

/** `k`, `k=` or `k=v`, RFC 3986-encoded, in the given order. */
export function encodeQuery(query: readonly QueryPair[]): string {
  return query.map(([k, v]) => (v === null ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)).join('&');
}

/**
 * Maps (bucket, key, query, region) to a URL. Virtual-hosted style (`bucket.oss-<region>.aliyuncs.com/key`)
 * by default; path style (`host/bucket/key`) when asked or when the endpoint is an IP or localhost.
 */
export class EndpointResolver {
  readonly region: string;
  private readonly scheme: 'http' | 'https';
  private readonly overrideHost: string | undefined;
  private readonly addressing: Addressing;
  private readonly internal: boolean;

  constructor(options: EndpointOptions) {
    this.region = normalizeRegion(options.region);
    this.internal = options.internal ?? false;
    let scheme: 'http' | 'https' = 'https';
    let host: string | undefined;
    if (options.endpoint) {
      const raw = options.endpoint.trim();
      const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new OssClientError('InvalidArgument', `Unsupported endpoint scheme: ${url.protocol}`);
      }
      if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search) {
        throw new OssClientError('InvalidArgument', 'The endpoint must be scheme://host[:port] only');
      }
      scheme = url.protocol === 'http:' ? 'http' : 'https';
      host = url.host;
    }
    this.scheme = scheme;
    this.overrideHost = host;
    const hostname = host ? new URL(`${scheme}://${host}`).hostname : '';
    this.addressing =
      options.addressing === 'path' || (host && isIpOrLocalhost(hostname)) ? 'path' : 'virtual';
  }

  /** Host of the endpoint for `region` (the override wins over regional endpoints). */
  endpointHost(region?: string): string {
    return this.overrideHost ?? defaultEndpointHost(region ?? this.region, this.internal);
  }

  resolve(request: {
    bucket?: string;
    key?: string;
    query: readonly QueryPair[];
    region?: string;
  }): ResolvedUrl {
    const endpointHost = this.endpointHost(request.region);
    let host = endpointHost;
    let path = '/';
    if (request.bucket !== undefined) {
      assertValidBucketName(request.bucket);
      if (this.addressing === 'virtual') {
        host = `${request.bucket}.${endpointHost}`;
      } else {
        path = `/${request.bucket}/`;
      }
    }
    if (request.key) {
      path += uriEncode(request.key, true);
    }
    const qs = encodeQuery(request.query);
    return {
      origin: `${this.scheme}://${host}`,
      path: qs ? `${path}?${qs}` : path,
      host,
      addressing: this.addressing,
    };
  }
}
