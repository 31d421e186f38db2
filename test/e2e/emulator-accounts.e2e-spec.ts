/**
 * The emulator's accounts over a real socket: every access key belongs to an owner, ListBuckets shows
 * that owner's buckets only and pages them as OSS does (prefix, marker, max-keys → IsTruncated,
 * NextMarker), and OssClient.listBuckets reads those pages. Keys and buckets without an owner belong
 * to the one default owner, so configurations without owners list exactly what they listed before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import type { EmulatorAccessKey } from '../../src/emulator/options.js';
import { EMULATOR_OWNER_ID } from '../../src/emulator/operations/operation-context.js';
import { OssClient } from '../../src/oss/oss-client.js';
import type { ListBucketsOutput } from '../../src/oss/models/service.js';

const DEFAULT_KEY: EmulatorAccessKey = {
  accessKeyId: 'LTAIAccountsDefault',
  accessKeySecret: 'AccountsDefaultSecret0123456789',
};
const OTHER_OWNER = '2222333344445555';
const OTHER_KEY: EmulatorAccessKey = {
  accessKeyId: 'LTAIAccountsOther',
  accessKeySecret: 'AccountsOtherSecret0123456789',
  owner: OTHER_OWNER,
};

let emulator: Emulator;
const clients: OssClient[] = [];

function clientFor(key: EmulatorAccessKey): OssClient {
  const client = new OssClient({
    region: 'cn-hangzhou',
    endpoint: emulator.url,
    credentials: key,
    timeouts: { connectMs: 1000, requestMs: 5000 },
    retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, totalBudgetMs: 1000 },
  });
  clients.push(client);
  return client;
}

async function allPages(client: OssClient, maxKeys: number, prefix?: string): Promise<ListBucketsOutput[]> {
  const pages: ListBucketsOutput[] = [];
  let marker: string | undefined;
  do {
    const page = await client.listBuckets({
      maxKeys,
      ...(prefix ? { prefix } : {}),
      ...(marker ? { marker } : {}),
    });
    pages.push(page);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return pages;
}

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: [DEFAULT_KEY, OTHER_KEY] });
  for (const name of ['acc-a1', 'acc-a2', 'acc-a3', 'acc-a4', 'acc-a5']) {
    emulator.admin.createBucket(name, 'cn-hangzhou');
  }
  emulator.admin.createBucket('acc-b1', 'cn-beijing', { owner: OTHER_OWNER });
  emulator.admin.createBucket('acc-b2', 'cn-shanghai', { owner: OTHER_OWNER });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator.close();
});

describe('emulator accounts: ListBuckets per owner', () => {
  it("lists the default owner's buckets to a key without an owner, and only those", async () => {
    const out = await clientFor(DEFAULT_KEY).listBuckets();
    expect(out.owner).toEqual({ id: EMULATOR_OWNER_ID, displayName: EMULATOR_OWNER_ID });
    expect(out.buckets.map((b) => b.name)).toEqual(['acc-a1', 'acc-a2', 'acc-a3', 'acc-a4', 'acc-a5']);
    expect(out.isTruncated).toBe(false);
  });

  it("lists another owner's buckets, with their locations and regions, to that owner's key", async () => {
    const out = await clientFor(OTHER_KEY).listBuckets();
    expect(out.owner?.id).toBe(OTHER_OWNER);
    expect(out.buckets.map((b) => [b.name, b.location, b.region])).toEqual([
      ['acc-b1', 'oss-cn-beijing', 'cn-beijing'],
      ['acc-b2', 'oss-cn-shanghai', 'cn-shanghai'],
    ]);
  });

  it('pages with max-keys and marker: IsTruncated and NextMarker until the last page', async () => {
    const pages = await allPages(clientFor(DEFAULT_KEY), 2);
    expect(pages.map((p) => [p.buckets.map((b) => b.name), p.isTruncated, p.nextMarker])).toEqual([
      [['acc-a1', 'acc-a2'], true, 'acc-a2'],
      [['acc-a3', 'acc-a4'], true, 'acc-a4'],
      [['acc-a5'], false, undefined],
    ]);
  });

  it('filters by prefix within the owner, and an exact page is not truncated', async () => {
    const client = clientFor(OTHER_KEY);
    const pages = await allPages(client, 2, 'acc-');
    expect(pages.map((p) => [p.buckets.map((b) => b.name), p.isTruncated])).toEqual([
      [['acc-b1', 'acc-b2'], false],
    ]);
    expect((await client.listBuckets({ prefix: 'acc-a' })).buckets).toEqual([]);
  });

  it('makes a bucket created with a key the owner of that key', async () => {
    const other = clientFor(OTHER_KEY);
    const created = await other.request({ method: 'PUT', bucket: 'acc-b3', operation: 'PutBucket' });
    expect(created.status).toBe(200);
    expect((await other.listBuckets({ prefix: 'acc-b3' })).buckets.map((b) => b.name)).toEqual(['acc-b3']);
    expect((await clientFor(DEFAULT_KEY).listBuckets({ prefix: 'acc-b' })).buckets).toEqual([]);
  });

  it('refuses a max-keys out of range with InvalidArgument', async () => {
    const client = clientFor(DEFAULT_KEY);
    await expect(client.request({ method: 'GET', query: { 'max-keys': '1001' } })).rejects.toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
  });
});
