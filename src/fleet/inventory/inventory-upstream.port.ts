import type { ReplicationRuleModel } from '../../replication/domain/replication-rule.js';
import type { OssCallResult } from '../../replication/ports/replication-api.port.js';

/** One bucket of a ListBuckets page. */
export interface ListedBucket {
  name: string;
  /** `oss-cn-hangzhou` form, as ListBuckets' Location reports it. */
  location: string;
}

/** One page of an account's ListBuckets. */
export interface BucketPage extends OssCallResult {
  buckets: ListedBucket[];
  /** Set when more buckets follow (ask again with it as `marker`). */
  nextMarker?: string;
}

/**
 * What the inventory needs from OSS, per account: each call goes out with that account's own client.
 * Failures are DomainErrors (the upstream's error translation), as with the replication port.
 */
export interface InventoryUpstream {
  /** ListBuckets: one page of the account's buckets. */
  listBuckets(
    account: string,
    page: { marker?: string; maxKeys: number },
    signal?: AbortSignal,
  ): Promise<BucketPage>;
  /** GetBucketReplication with the account's client; a bucket without configuration answers `[]`. */
  listRules(
    account: string,
    bucket: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { rules: ReplicationRuleModel[] }>;
}

export const INVENTORY_UPSTREAM = Symbol('INVENTORY_UPSTREAM');
