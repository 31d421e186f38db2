import { Inject, Injectable } from '@nestjs/common';
import type { BucketLocation, BucketRegionResolver } from '../auth/ports/bucket-region-resolver.port.js';
import type { OssClient } from '../oss/oss-client.js';
import { toLocation } from '../oss/region.js';
import { OSS_CLIENT } from './oss-client.token.js';
import { translateOssError } from './oss-error.translator.js';

/**
 * The bucket → location lookup, backed by OSS GetBucketLocation (cached in the client): a cached
 * location at once, otherwise the request. OSS failures leave as domain errors (NoSuchBucket is
 * BucketNotFound).
 */
@Injectable()
export class OssBucketRegionResolver implements BucketRegionResolver {
  constructor(@Inject(OSS_CLIENT) private readonly client: OssClient) {}

  locate(bucket: string): BucketLocation | Promise<BucketLocation> {
    const cached = this.client.cachedBucketLocation(bucket);
    if (cached !== undefined) {
      return { location: toLocation(cached.location), requestId: cached.requestId };
    }
    return this.fetch(bucket);
  }

  private async fetch(bucket: string): Promise<BucketLocation> {
    try {
      const output = await this.client.getBucketLocation(bucket);
      return { location: toLocation(output.location), requestId: output.requestId };
    } catch (error) {
      throw translateOssError(error) ?? error;
    }
  }
}
