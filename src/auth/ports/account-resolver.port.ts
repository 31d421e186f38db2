/** The account a bucket belongs to: its id in the fleet and the id its resource ARN names. */
export interface BucketAccount {
  /** The fleet's account id (`default` for the single account of `OSS_*`). */
  id: string;
  /** The account id in `acs:oss:{region}:{accountId}:{bucket}` (`OSS_ACCOUNT_ID`, or the file's `id`). */
  arnAccountId: string;
}

/**
 * Bucket → account (DESIGN §11): the account whose ListBuckets lists the bucket (the inventory keeps
 * this up to date), else the default account. Authorization builds ARNs from it, the replication
 * service audits with it, and the upstream forwards a bucket's calls with that account's client.
 * Answers at once: no I/O.
 */
export interface AccountResolver {
  accountOf(bucket: string): BucketAccount;
}

export const ACCOUNT_RESOLVER = Symbol('ACCOUNT_RESOLVER');
