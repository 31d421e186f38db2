import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AuditService } from '../../src/audit/audit.service.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import type { EmulatorAccessKey } from '../../src/emulator/options.js';
import { INVENTORY } from '../../src/fleet/inventory/inventory.js';
import {
  INVENTORY_PRINCIPAL,
  LIST_BUCKETS_ACTION,
  OssInventory,
} from '../../src/fleet/inventory/oss-inventory.js';
import { OssClient } from '../../src/oss/oss-client.js';
import { ACCOUNT_CLIENTS, type AccountClients } from '../../src/upstream/account-clients.js';
import { OssInventoryUpstream } from '../../src/upstream/inventory-upstream.adapter.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/*
 * Two OSS accounts (two key owners of the emulator, over a real socket) behind one gateway: the
 * inventory lists each account's buckets (ListBuckets, every page) and their rules, re-reads a bucket
 * after a write made through the REST API, each bucket's calls go out with its own account's keys
 * (the emulator refuses another account's key), and ARNs name the owning account's id.
 */

const ACCOUNT_A = '1111000011110000';
const ACCOUNT_B = '2222000022220000';
const KEY_A: EmulatorAccessKey = {
  accessKeyId: 'LTAIInventoryA',
  accessKeySecret: 'InventoryASecret0123456789',
  owner: ACCOUNT_A,
};
const KEY_B: EmulatorAccessKey = {
  accessKeyId: 'LTAIInventoryB',
  accessKeySecret: 'InventoryBSecret0123456789',
  owner: ACCOUNT_B,
};
const PRE_EXISTING_RULE = 'b-rule-before-start';

async function eventually<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 500; i += 1) {
    const value = read();
    if (value !== undefined) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe(`${OssInventory.name} with two accounts (against the OSS emulator)`, () => {
  let emulator: Emulator;
  let t: TestApp;
  let principals: PrincipalsFile;
  let dir: string;
  let inventory: OssInventory;
  const admin = principalWithKey('inventory-admin', {
    policies: ['AliyunOSSFullAccess', 'GatewayAdministratorAccess'],
  });
  const asAdmin = { 'x-api-key': admin.secret };

  beforeAll(async () => {
    emulator = await startEmulator({
      accessKeys: [KEY_A, KEY_B],
      replication: { tickMs: 0, startingMs: 0 },
    });
    emulator.admin.createBucket('acct-a-src', 'cn-hangzhou', { owner: ACCOUNT_A });
    emulator.admin.createBucket('acct-a-dst', 'cn-beijing', { owner: ACCOUNT_A });
    emulator.admin.createBucket('acct-b-src', 'cn-beijing', { owner: ACCOUNT_B });
    emulator.admin.createBucket('acct-b-dst', 'cn-hangzhou', { owner: ACCOUNT_B });
    // A rule that exists before the gateway starts, made with B's own keys.
    const b = new OssClient({
      region: 'cn-beijing',
      endpoint: emulator.url,
      addressing: 'path',
      credentials: KEY_B,
      timeouts: { connectMs: 1000, requestMs: 5000 },
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, totalBudgetMs: 1000 },
    });
    await b.putBucketReplication('acct-b-src', {
      id: PRE_EXISTING_RULE,
      destination: { bucket: 'acct-b-dst', location: 'oss-cn-hangzhou' },
    });
    await b.close();

    dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    const accountsFile = join(dir, 'accounts.yaml');
    writeFileSync(
      accountsFile,
      stringify({
        accounts: [
          {
            id: ACCOUNT_A,
            name: 'production',
            region: 'cn-hangzhou',
            endpoint: emulator.url,
            credentials: { accessKeyIdEnv: 'INV_A_AK', accessKeySecretEnv: 'INV_A_SK' },
          },
          {
            id: ACCOUNT_B,
            name: 'disaster recovery',
            region: 'cn-beijing',
            endpoint: emulator.url,
            credentials: { accessKeyIdEnv: 'INV_B_AK', accessKeySecretEnv: 'INV_B_SK' },
          },
        ],
      }),
    );
    principals = writePrincipalsFile({ principals: [admin.entry] });
    t = await createTestApp({
      GATEWAY_ACCOUNTS_FILE: accountsFile,
      GATEWAY_PRINCIPALS_FILE: principals.file,
      OSS_ADDRESSING: 'path',
      INV_A_AK: KEY_A.accessKeyId,
      INV_A_SK: KEY_A.accessKeySecret,
      INV_B_AK: KEY_B.accessKeyId,
      INV_B_SK: KEY_B.accessKeySecret,
    });
    inventory = t.app.get(INVENTORY);
    // The first refresh starts with the app; the rule source waits for it.
    await inventory.buckets();
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every bucket of each account, with the region of ListBuckets' Location", () => {
    const regions = (account: string) =>
      [...inventory.bucketsOf(account)].map(([bucket, { region }]) => [bucket, region]).sort();
    expect(regions(ACCOUNT_A)).toEqual([
      ['acct-a-dst', 'cn-beijing'],
      ['acct-a-src', 'cn-hangzhou'],
    ]);
    expect(regions(ACCOUNT_B)).toEqual([
      ['acct-b-dst', 'cn-hangzhou'],
      ['acct-b-src', 'cn-beijing'],
    ]);
  });

  it("holds each bucket's rules (none for a bucket without replication), and the sampler samples them", async () => {
    expect(inventory.rules().map((r) => [r.account, r.bucket, r.ruleId, r.region])).toEqual([
      [ACCOUNT_B, 'acct-b-src', PRE_EXISTING_RULE, 'cn-beijing'],
    ]);
    expect(await inventory.buckets()).toEqual([
      { account: ACCOUNT_B, bucket: 'acct-b-src', ruleIds: [PRE_EXISTING_RULE] },
    ]);
  });

  it("names the owning account's id in /v1/me/permissions", async () => {
    const a = await t.request.get('/v1/me/permissions?bucket=acct-a-src').set(asAdmin).expect(200);
    expect(a.body.resource).toBe(`acs:oss:cn-hangzhou:${ACCOUNT_A}:acct-a-src`);
    const b = await t.request.get('/v1/me/permissions?bucket=acct-b-src').set(asAdmin).expect(200);
    expect(b.body.resource).toBe(`acs:oss:cn-beijing:${ACCOUNT_B}:acct-b-src`);
  });

  it("forwards each bucket's calls with its account's keys (the emulator refuses the other account's)", async () => {
    const res = await t.request.get('/v1/buckets/acct-b-src/replication/rules').set(asAdmin).expect(200);
    expect(res.body.rules.map((r: { id: string }) => r.id)).toEqual([PRE_EXISTING_RULE]);
    // The other account's client really is refused there: routing is what makes the call above work.
    const clients = t.app.get<AccountClients>(ACCOUNT_CLIENTS);
    await expect(clients.forAccount(ACCOUNT_A)!.getBucketReplication('acct-b-src')).rejects.toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('re-reads a bucket after a rule is created through the REST API; the audit names the account', async () => {
    const created = await t.request
      .post('/v1/buckets/acct-a-src/replication/rules')
      .set(asAdmin)
      .send({ id: 'a-rule-via-gateway', destination: { bucket: 'acct-a-dst', location: 'oss-cn-beijing' } })
      .expect(201);
    expect(created.body.id).toBe('a-rule-via-gateway');
    const rule = await eventually(
      () => inventory.rules().find((r) => r.ruleId === 'a-rule-via-gateway'),
      'the inventory shows the new rule',
    );
    expect([rule.account, rule.bucket, rule.region]).toEqual([ACCOUNT_A, 'acct-a-src', 'cn-hangzhou']);

    const audit = t.app.get(AuditService);
    await audit.flush();
    const puts = await audit.query({ principal: 'inventory-admin', kind: 'oss-call' }, 50);
    expect(puts.items.filter((e) => e.operation === 'PutBucketReplication').map((e) => e.resource)).toEqual([
      `acs:oss:cn-hangzhou:${ACCOUNT_A}:acct-a-src`,
    ]);
  });

  it('re-reads a bucket after a rule is deleted through the REST API (closing)', async () => {
    await t.request
      .delete(`/v1/buckets/acct-b-src/replication/rules/${PRE_EXISTING_RULE}`)
      .set(asAdmin)
      .expect(202);
    const rule = await eventually(
      () => inventory.rules().find((r) => r.ruleId === PRE_EXISTING_RULE && r.rule.status === 'closing'),
      'the inventory shows the rule closing',
    );
    expect(rule.account).toBe(ACCOUNT_B);
  });

  it('audits its own calls as gateway:inventory, ListBuckets on the account and rules on the bucket ARN', async () => {
    const audit = t.app.get(AuditService);
    await audit.flush();
    const events = await audit.query({ principal: INVENTORY_PRINCIPAL, kind: 'oss-call' }, 100);
    const listings = events.items.filter((e) => e.operation === 'ListBuckets');
    expect(new Set(listings.map((e) => e.resource))).toEqual(
      new Set([`acs:oss:*:${ACCOUNT_A}:*`, `acs:oss:*:${ACCOUNT_B}:*`]),
    );
    expect(listings.every((e) => e.action === LIST_BUCKETS_ACTION && e.outcomeStatus === 200)).toBe(true);
    const reads = events.items.filter((e) => e.operation === 'GetBucketReplication').map((e) => e.resource);
    expect(reads).toEqual(expect.arrayContaining([`acs:oss:cn-beijing:${ACCOUNT_B}:acct-b-src`]));
    expect(reads).toEqual(expect.arrayContaining([`acs:oss:cn-hangzhou:${ACCOUNT_A}:acct-a-src`]));
  });

  it('follows every ListBuckets page of an account, and stops cleanly', async () => {
    const audited: string[] = [];
    const paged = new OssInventory(new OssInventoryUpstream(t.app.get<AccountClients>(ACCOUNT_CLIENTS)), {
      accounts: [
        { id: ACCOUNT_A, arnAccountId: ACCOUNT_A },
        { id: ACCOUNT_B, arnAccountId: ACCOUNT_B },
      ],
      intervalMs: 3_600_000,
      pageSize: 1,
      recorder: { audit: (e) => audited.push(`${e.operation} ${e.resource}`), observe: () => undefined },
    });
    await paged.refresh();
    expect([...paged.bucketsOf(ACCOUNT_A).keys()].sort()).toEqual(['acct-a-dst', 'acct-a-src']);
    expect([...paged.bucketsOf(ACCOUNT_B).keys()].sort()).toEqual(['acct-b-dst', 'acct-b-src']);
    expect(audited.filter((e) => e === `ListBuckets acs:oss:*:${ACCOUNT_A}:*`)).toHaveLength(2);
    expect(paged.scheduled).toBe(true);
    await paged.stop();
    expect(paged.scheduled).toBe(false);
  });
});
