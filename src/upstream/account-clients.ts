import type { OssClient } from '../oss/oss-client.js';
import type { BucketAccountDirectory } from './bucket-account-directory.js';

/** DI token of the {@link AccountClients} (provided by `OssModule`). */
export const ACCOUNT_CLIENTS = Symbol('ACCOUNT_CLIENTS');

/**
 * One OSS client per account (each with its own credentials, endpoint, retry quota and breakers); a
 * bucket's calls go out with the client of the account the directory says owns it. The default
 * account's client is the application's `OSS_CLIENT`.
 */
export class AccountClients {
  constructor(
    private readonly directory: BucketAccountDirectory,
    private readonly clients: ReadonlyMap<string, OssClient>,
    private readonly defaultClient: OssClient,
  ) {}

  /** The client of the account that owns `bucket` (the default account's for a bucket nobody lists). */
  forBucket(bucket: string): OssClient {
    return this.clients.get(this.directory.accountOf(bucket).id) ?? this.defaultClient;
  }

  /** The client of one account; undefined for an account the gateway does not manage. */
  forAccount(accountId: string): OssClient | undefined {
    return this.clients.get(accountId);
  }

  /** The managed accounts' ids, the default first. */
  accountIds(): string[] {
    return [...this.clients.keys()];
  }

  /** Closes every client's connection pool. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
