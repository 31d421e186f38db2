import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { BucketPage, InventoryUpstream } from '../fleet/inventory/inventory-upstream.port.js';
import type { ReplicationRuleModel } from '../replication/domain/replication-rule.js';
import type { OssCallResult } from '../replication/ports/replication-api.port.js';
import type { AccountClients } from './account-clients.js';
import { translateOssError } from './oss-error.translator.js';
import { OssReplicationApi } from './replication-api.adapter.js';

/** The inventory's port over the per-account clients (ListBuckets; GetBucketReplication as the replication port reads it). */
export class OssInventoryUpstream implements InventoryUpstream {
  private readonly apis = new Map<string, OssReplicationApi>();

  constructor(private readonly clients: AccountClients) {}

  async listBuckets(
    account: string,
    page: { marker?: string; maxKeys: number },
    signal?: AbortSignal,
  ): Promise<BucketPage> {
    const client = this.client(account);
    try {
      const output = await client.listBuckets(
        { maxKeys: page.maxKeys, ...(page.marker !== undefined ? { marker: page.marker } : {}) },
        { signal },
      );
      return {
        requestId: output.requestId,
        buckets: output.buckets.map((b) => ({ name: b.name, location: b.location })),
        ...(output.nextMarker !== undefined ? { nextMarker: output.nextMarker } : {}),
      };
    } catch (error) {
      throw translateOssError(error) ?? error;
    }
  }

  listRules(
    account: string,
    bucket: string,
    signal?: AbortSignal,
  ): Promise<OssCallResult & { rules: ReplicationRuleModel[] }> {
    let api = this.apis.get(account);
    if (api === undefined) {
      api = new OssReplicationApi(this.client(account));
      this.apis.set(account, api);
    }
    return api.listRules(bucket, signal);
  }

  private client(account: string) {
    const client = this.clients.forAccount(account);
    if (client === undefined) {
      throw new DomainError(ErrorCode.ValidationFailed, `The gateway manages no OSS account "${account}".`);
    }
    return client;
  }
}
