/**
 * Where the guard learns a bucket's real region, to build `acs:oss:{region}:{account}:{bucket}`.
 *
 * The default (provided by AuthModule) answers `config.oss.region` for every bucket. AppModule
 * overrides it with the GetBucketLocation-backed, cached implementation of `src/upstream`:
 *
 * ```ts
 * AuthModule.forRoot({
 *   imports: [OssModule],
 *   bucketRegionResolver: { useExisting: OssBucketRegionResolver },
 * })
 * ```
 *
 * An implementation that cannot find the bucket throws `DomainError(ErrorCode.BucketNotFound)`;
 * the guard then uses `*` as the region instead of failing the decision. Any other error fails the
 * request.
 */
export interface BucketRegionResolver {
  /** The bucket's region id without the `oss-` prefix (`cn-hangzhou`); `oss-cn-hangzhou` is tolerated. */
  regionOf(bucket: string): Promise<string>;
  /**
   * What `regionOf` would answer, when it is known without any I/O (e.g. cached); undefined otherwise
   * (then the guard awaits `regionOf`). Optional: implementations without a cache leave it out.
   */
  cachedRegionOf?(bucket: string): string | undefined;
}

export const BUCKET_REGION_RESOLVER = Symbol('BUCKET_REGION_RESOLVER');
