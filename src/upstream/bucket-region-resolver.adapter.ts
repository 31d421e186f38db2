import { Inject, Injectable } from '@nestjs/common';
import type { BucketLocation, BucketRegionResolver } from '../auth/ports/bucket-region-resolver.port.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { OssClient } from '../oss/oss-client.js';
import { toLocation } from '../oss/region.js';
import { OSS_CLIENT } from './oss-client.token.js';
import { translateOssError } from './oss-error.translator.js';

/** How long a NoSuchBucket answer is believed: a bucket created meanwhile is seen after this at most. */
export const MISSING_BUCKET_TTL_MS = 30_000;
/** At most this many missing buckets are remembered (the oldest is forgotten first). */
const MISSING_BUCKET_MAX = 4096;

/**
 * The bucket → location lookup, backed by OSS GetBucketLocation (cached in the client): a cached
 * location at once, otherwise the request. OSS failures leave as domain errors (NoSuchBucket is
 * BucketNotFound). A NoSuchBucket answer is remembered for {@link MISSING_BUCKET_TTL_MS}, so asking
 * again and again about a missing bucket costs OSS one GetBucketLocation per 30 s, not one per request.
 */
@Injectable()
export class OssBucketRegionResolver implements BucketRegionResolver {
  /** Bucket → when its NoSuchBucket answer expires (epoch ms), and that answer. */
  private readonly missing = new Map<string, { expiresAt: number; error: DomainError }>();
  /** The lookup under way for a bucket: concurrent callers share it (one call, one promise to audit). */
  private readonly inFlight = new Map<string, Promise<BucketLocation>>();

  private readonly clientFor: (bucket: string) => OssClient;

  /** `client`: the one client, or the client of each bucket's account (several accounts). */
  constructor(@Inject(OSS_CLIENT) client: OssClient | ((bucket: string) => OssClient)) {
    this.clientFor = typeof client === 'function' ? client : () => client;
  }

  locate(bucket: string): BucketLocation | Promise<BucketLocation> {
    const cached = this.clientFor(bucket).cachedBucketLocation(bucket);
    if (cached !== undefined) {
      return { location: toLocation(cached.location), requestId: cached.requestId };
    }
    const missing = this.missingEntry(bucket);
    if (missing !== undefined) {
      return Promise.reject(missing.error);
    }
    let pending = this.inFlight.get(bucket);
    if (pending === undefined) {
      pending = this.fetch(bucket).finally(() => this.inFlight.delete(bucket));
      this.inFlight.set(bucket, pending);
    }
    return pending;
  }

  knownMissing(bucket: string): boolean {
    return this.missingEntry(bucket) !== undefined;
  }

  private missingEntry(bucket: string): { expiresAt: number; error: DomainError } | undefined {
    const entry = this.missing.get(bucket);
    if (entry !== undefined && entry.expiresAt <= Date.now()) {
      this.missing.delete(bucket);
      return undefined;
    }
    return entry;
  }

  private async fetch(bucket: string): Promise<BucketLocation> {
    try {
      const output = await this.clientFor(bucket).getBucketLocation(bucket);
      this.missing.delete(bucket);
      return { location: toLocation(output.location), requestId: output.requestId };
    } catch (error) {
      const translated = translateOssError(error) ?? error;
      if (translated instanceof DomainError && translated.code === ErrorCode.BucketNotFound) {
        this.rememberMissing(bucket, translated);
      }
      throw translated;
    }
  }

  private rememberMissing(bucket: string, error: DomainError): void {
    this.missing.delete(bucket);
    if (this.missing.size >= MISSING_BUCKET_MAX) {
      const oldest = this.missing.keys().next().value;
      if (oldest !== undefined) {
        this.missing.delete(oldest);
      }
    }
    this.missing.set(bucket, { expiresAt: Date.now() + MISSING_BUCKET_TTL_MS, error });
  }
}
