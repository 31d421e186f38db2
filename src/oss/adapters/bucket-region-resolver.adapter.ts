import { Inject, Injectable } from '@nestjs/common';
import type { BucketLocation, BucketRegionResolver } from '../../auth/ports/bucket-region-resolver.port.js';
import { translateOssError } from '../../common/errors/oss-error.translator.js';
import type { OssClient } from '../oss-client.js';
import { toOssLocation } from '../operations/replication-rule.codec.js';
import { OSS_CLIENT } from './oss-client.token.js';

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
      return { location: toOssLocation(cached.location), requestId: cached.requestId };
    }
    return this.client.getBucketLocation(bucket).then(
      (output) => ({ location: toOssLocation(output.location), requestId: output.requestId }),
      (error: unknown) => {
        throw translateOssError(error) ?? error;
      },
    );
  }
}
