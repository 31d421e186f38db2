/** Where a bucket is, as OSS reports it (GetBucketLocation). */
export interface BucketLocation {
  /** `oss-cn-hangzhou`, as OSS names it (`bucketArn` drops the `oss-` prefix). */
  location: string;
  /** The OSS request that answered it (a cached answer keeps the request that filled the cache). */
  requestId: string;
}

/**
 * The one bucket → location lookup of the gateway: authorization builds
 * `acs:oss:{region}:{account}:{bucket}` from it, and the replication service uses it for pre-flight
 * (source and destination locations) and for the resource of its audit events. Implemented in
 * `src/upstream/bucket-region-resolver.adapter.ts` over GetBucketLocation, cached in the client.
 *
 * `locate` answers at once (a value) when the location is known without I/O, e.g. cached, and a
 * promise otherwise: one method, so callers decide once whether they must wait. Failures are domain
 * errors; a bucket OSS does not know is `DomainError(ErrorCode.BucketNotFound)`.
 */
export interface BucketRegionResolver {
  locate(bucket: string): BucketLocation | Promise<BucketLocation>;
  /**
   * Whether OSS said recently that the bucket does not exist (a brief negative cache): then `locate`
   * rejects with BucketNotFound without asking OSS again. Optional: a resolver without one always asks.
   */
  knownMissing?(bucket: string): boolean;
}

export const BUCKET_REGION_RESOLVER = Symbol('BUCKET_REGION_RESOLVER');
