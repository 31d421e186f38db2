import type { QueryPair } from '../oss/signer/types.js';
import { ossError } from './errors.js';

export interface Addressed {
  bucket?: string;
  key?: string;
  /** Region id named by the host (`oss-cn-hangzhou…`), if any. */
  hostRegion?: string;
  /** Host without port and without a TEA-style `/bucket` suffix. */
  hostname: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ossError('InvalidArgument', {}, 'The request URI is not properly percent-encoded.');
  }
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * Finds bucket and region in the host, OSS style:
 * `bucket.oss-cn-hangzhou[-internal].example.com`, `bucket.cn-hangzhou.oss.example.com`
 * (dual-stack), `bucket.<box>.<region>.oss-cloudbox.example.com`; endpoint hosts
 * (`oss-cn-hangzhou.aliyuncs.com`), IPs and `localhost` name no bucket (path-style).
 */
export function parseHost(hostHeader: string | undefined): {
  bucket?: string;
  region?: string;
  hostname: string;
} {
  // The TEA client sends `Host: 127.0.0.1:9000/examplebucket` with endpointType "ip".
  const raw = (hostHeader ?? '').split('/')[0].trim().toLowerCase();
  const hostname = stripPort(raw);
  if (hostname === '' || hostname === 'localhost' || IPV4.test(hostname) || hostname.startsWith('[')) {
    return { hostname };
  }
  const labels = hostname.split('.');
  // The last OSS-looking label is the endpoint (a bucket may itself be called `oss-…`).
  const i = labels.findLastIndex((l) => l === 'oss' || l.startsWith('oss-'));
  if (i < 0) {
    return { hostname };
  }
  const label = labels[i];
  let region: string | undefined;
  if (label.startsWith('oss-') && label !== 'oss-cloudbox' && !label.startsWith('oss-accelerate')) {
    region = label.slice(4).replace(/-internal$/, '');
  } else if (label === 'oss' && i >= 1) {
    region = labels[i - 1];
  }
  const bucketLabels = label === 'oss' ? i - 1 : i;
  const bucket = bucketLabels >= 1 ? labels[0] : undefined;
  const out: { bucket?: string; region?: string; hostname: string } = { hostname };
  if (bucket !== undefined) {
    out.bucket = bucket;
  }
  if (region !== undefined && region !== '') {
    out.region = region;
  }
  return out;
}

/** Bucket, key and host region of a request (virtual-hosted or path-style). */
export function resolveAddress(hostHeader: string | undefined, rawPath: string): Addressed {
  const host = parseHost(hostHeader);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const result: Addressed = { hostname: host.hostname };
  if (host.region !== undefined) {
    result.hostRegion = host.region;
  }
  if (host.bucket !== undefined) {
    result.bucket = host.bucket;
    if (path !== '') {
      result.key = decodeSegment(path);
    }
    return result;
  }
  if (path === '') {
    return result;
  }
  const slash = path.indexOf('/');
  const bucket = decodeSegment(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? '' : decodeSegment(path.slice(slash + 1));
  if (bucket !== '') {
    result.bucket = bucket;
  }
  if (key !== '') {
    result.key = key;
  }
  return result;
}

/** Decodes a raw query string into pairs in wire order; `null` for a key without `=`. `+` stays `+`. */
export function parseQuery(rawQuery: string): QueryPair[] {
  if (rawQuery === '') {
    return [];
  }
  const pairs: QueryPair[] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') {
      continue;
    }
    const eq = part.indexOf('=');
    const k = decodeSegment(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? null : decodeSegment(part.slice(eq + 1));
    pairs.push([k, v]);
  }
  return pairs;
}
