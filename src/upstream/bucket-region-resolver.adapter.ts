import { Inject, Injectable } from '@nestjs/common';
import type { BucketRegionResolver } from '../auth/ports/bucket-region-resolver.port.js';
import type { OssClient } from '../oss/oss-client.js';
import { OSS_CLIENT } from './oss-client.token.js';
import { translateOssError } from './oss-error.translator.js';

/**
 * The guard's bucket → region lookup, backed by OSS GetBucketLocation (cached in the client).
 * OSS failures leave it as domain errors: a missing bucket is `DomainError(BucketNotFound)`, which
 * the guard maps to the region `*`.
 */
@Injectable()
export class OssBucketRegionResolver implements BucketRegionResolver {
  constructor(@Inject(OSS_CLIENT) private readonly client: OssClient) {}

  async regionOf(bucket: string): Promise<string> {
    try {
      return await this.client.resolveBucketRegion(bucket);
    } catch (error) {
      throw translateOssError(error) ?? error;
    }
  }

  cachedRegionOf(bucket: string): string | undefined {
    try {
      return this.client.cachedBucketRegion(bucket);
    } catch (error) {
      throw translateOssError(error) ?? error;
    }
  }
}
