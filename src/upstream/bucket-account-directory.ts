import type { AccountResolver, BucketAccount } from '../auth/ports/account-resolver.port.js';
import type { AccountConfig } from '../config/accounts-file.js';

/**
 * Which account lists which bucket, as the inventory last saw it: the AccountResolver of the gateway.
 * A bucket no account lists (not yet inventoried, or unknown) belongs to the default account, the
 * first one — so with the single account of `OSS_*` every bucket is `default`'s, as before accounts.
 */
export class BucketAccountDirectory implements AccountResolver {
  private readonly accounts: ReadonlyMap<string, BucketAccount>;
  private readonly defaultAccount: BucketAccount;
  /** Bucket → account id. */
  private readonly owners = new Map<string, string>();

  constructor(accounts: readonly Pick<AccountConfig, 'id' | 'arnAccountId'>[]) {
    if (accounts.length === 0) {
      throw new Error('BucketAccountDirectory needs at least one account');
    }
    this.accounts = new Map(accounts.map((a) => [a.id, { id: a.id, arnAccountId: a.arnAccountId }]));
    this.defaultAccount = this.accounts.get(accounts[0].id)!;
  }

  /** More than one account: only then does the directory ever answer anything but the default. */
  get multiAccount(): boolean {
    return this.accounts.size > 1;
  }

  accountOf(bucket: string): BucketAccount {
    const owner = this.owners.get(bucket);
    return (owner !== undefined ? this.accounts.get(owner) : undefined) ?? this.defaultAccount;
  }

  /** The account with this id, if the gateway manages it. */
  account(id: string): BucketAccount | undefined {
    return this.accounts.get(id);
  }

  /** The complete list of one account's buckets (a full listing): buckets it no longer lists are forgotten. */
  setBuckets(accountId: string, buckets: Iterable<string>): void {
    if (!this.accounts.has(accountId)) {
      return;
    }
    for (const [bucket, owner] of this.owners) {
      if (owner === accountId) {
        this.owners.delete(bucket);
      }
    }
    for (const bucket of buckets) {
      this.owners.set(bucket, accountId);
    }
  }
}
