import { Inject, Injectable } from '@nestjs/common';
import type { BucketRegionResolver } from '../auth/ports/bucket-region-resolver.port.js';
import type { OssClient } from '../oss/oss-client.js';
import { OSS_CLIENT } from './oss-client.token.js';

/**
 * The guard's bucket → region lookup, backed by OSS GetBucketLocation (cached in the client).
 * A missing bucket surfaces as the client's `NoSuchBucket` OssServiceError, which the guard maps to `*`.
 */
@Injectable()
export class OssBucketRegionResolver implements BucketRegionResolver {
  constructor(@Inject(OSS_CLIENT) private readonly client: OssClient) {}

  regionOf(bucket: string): Promise<string> {
    return this.client.resolveBucketRegion(bucket);
  }

  cachedRegionOf(bucket: string): string | undefined {
    return this.client.cachedBucketRegion(bucket);
  }
}
