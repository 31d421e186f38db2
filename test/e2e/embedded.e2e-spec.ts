import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { buildAppConfig, type AppConfig } from '../../src/config/app.config.js';
import { DEMO_CALLERS } from '../../src/embedded/demo-principals.js';
import {
  DEMO_BUCKETS,
  DEMO_OBJECT_COUNTS,
  DEMO_RULE,
  prepareEmbedded,
  type EmbeddedEnvironment,
} from '../../src/embedded/prepare-embedded.js';

const ADMIN = 'demo-admin-key';
const VIEWER = 'demo-viewer-key';
const RTC_OPERATOR = 'demo-rtc-operator-key';

const rulesUrl = (bucket: string): string => `/v1/buckets/${bucket}/replication/rules`;

async function bootApp(config: AppConfig): Promise<{ app: NestFastifyApplication; http: FastifyInstance }> {
  const app = await createApp(config, { logger: false });
  await app.init();
  const http = app.getHttpAdapter().getInstance();
  await http.ready();
  return { app, http };
}

function call(http: FastifyInstance, key: string | undefined, opts: InjectOptions) {
  return http.inject({ ...opts, headers: { ...(key ? { 'x-api-key': key } : {}), ...opts.headers } });
}

function graphql(http: FastifyInstance, key: string, query: string) {
  return call(http, key, {
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json' },
    payload: { query },
  });
}

describe(prepareEmbedded.name, () => {
  let config: AppConfig;
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let http: FastifyInstance;

  beforeAll(async () => {
    // Given a fresh environment with no OSS credentials (embedded mode) and an emulator on a free port
    config = buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' });
    // Replication is driven by hand (no timer), so progress is deterministic.
    env = await prepareEmbedded(config, { emulator: { replication: { tickMs: 0, startingMs: 0 } } });
    ({ app, http } = await bootApp(env.config));
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('points the OSS client at the emulator (path style, its demo credentials) and the auth layer at the demo principals', () => {
    expect(env.config.mode).toBe('embedded');
    expect(env.config.oss.endpoint).toBe(env.emulator.url);
    expect(env.emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.config.oss.addressing).toBe('path');
    expect(env.config.oss.credentials?.accessKeyId).toBe(env.emulator.accessKeys[0]?.accessKeyId);
    expect(env.config.auth.principalsFile).toBe(env.principalsFile);
    // The config it was given is frozen and unchanged: the overrides went through buildAppConfig.
    expect(config.oss.endpoint).toBeUndefined();
    expect(config.auth.principalsFile).toBeUndefined();
    const text = readFileSync(env.principalsFile, 'utf8');
    // Keys are stored as sha256 digests, never as plain secrets.
    expect(text).not.toMatch(/secret:/);
    expect(text.match(/sha256: "[0-9a-f]{64}"/g)).toHaveLength(3);
  });

  it('seeds demo buckets in four regions, with objects under logs/ and images/ in demo-source', () => {
    expect(new Set(DEMO_BUCKETS.map((b) => b.region)).size).toBe(4);
    for (const bucket of DEMO_BUCKETS) {
      expect(() => env.emulator.admin.listObjects(bucket.name)).not.toThrow();
    }
    const keys = env.emulator.admin.listObjects('demo-source').map((o) => o.key);
    expect(keys.filter((k) => k.startsWith('logs/'))).toHaveLength(DEMO_OBJECT_COUNTS.logs);
    expect(keys.filter((k) => k.startsWith('images/'))).toHaveLength(DEMO_OBJECT_COUNTS.images);
  });

  it('lets the admin list the seeded rule and create another one', async () => {
    const list = await call(http, ADMIN, { method: 'GET', url: rulesUrl('demo-source') });
    expect(list.statusCode).toBe(200);
    const { rules } = list.json<{ rules: Array<{ id: string; destination: { bucket: string } }> }>();
    expect(rules.map((r) => r.id)).toContain(DEMO_RULE.id);

    const created = await call(http, ADMIN, {
      method: 'POST',
      url: rulesUrl('demo-source'),
      payload: {
        id: 'admin-reports-to-shanghai',
        prefixes: ['reports/'],
        action: 'PUT',
        destination: { bucket: 'demo-archive', location: 'oss-cn-shanghai' },
        historicalObjectReplication: false,
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ id: string }>().id).toBe('admin-reports-to-shanghai');
    expect(env.emulator.admin.getRules('demo-source').map((r) => r.id)).toContain(
      'admin-reports-to-shanghai',
    );
  });

  it('lets the viewer list rules but denies it creating rules and setting RTC', async () => {
    const list = await call(http, VIEWER, { method: 'GET', url: rulesUrl('demo-source') });
    expect(list.statusCode).toBe(200);

    const rtc = await call(http, VIEWER, {
      method: 'PUT',
      url: `${rulesUrl('demo-source')}/${DEMO_RULE.id}/rtc`,
      payload: { enabled: true },
    });
    expect(rtc.statusCode).toBe(403);
    expect(rtc.json<{ authorization: { action: string } }>().authorization.action).toBe('oss:PutBucketRtc');

    const create = await call(http, VIEWER, {
      method: 'POST',
      url: rulesUrl('demo-source'),
      payload: { destination: { bucket: 'demo-archive', location: 'oss-cn-shanghai' } },
    });
    expect(create.statusCode).toBe(403);
  });

  it('lets the rtc-operator set RTC on demo-source only', async () => {
    const allowed = await call(http, RTC_OPERATOR, {
      method: 'PUT',
      url: `${rulesUrl('demo-source')}/${DEMO_RULE.id}/rtc`,
      payload: { enabled: true },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json<{ id: string; rtc: { enabled: boolean } }>()).toMatchObject({
      id: DEMO_RULE.id,
      rtc: { enabled: true },
    });

    const elsewhere = await call(http, RTC_OPERATOR, {
      method: 'PUT',
      url: `${rulesUrl('demo-replica')}/${DEMO_RULE.id}/rtc`,
      payload: { enabled: true },
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json<{ authorization: { resource: string } }>().authorization.resource).toMatch(
      /:demo-replica$/,
    );
  });

  it("reports the seeded rule's historical progress as a fraction between 0 and 1 that grows", async () => {
    const progressOf = async (): Promise<number> => {
      const res = await call(http, VIEWER, {
        method: 'GET',
        url: `${rulesUrl('demo-source')}/${DEMO_RULE.id}/progress`,
      });
      expect(res.statusCode).toBe(200);
      const value = res.json<{ historicalObjectProgress: number | null }>().historicalObjectProgress;
      expect(typeof value).toBe('number');
      return value!;
    };
    env.emulator.admin.tickReplication(100);
    const before = await progressOf();
    env.emulator.admin.tickReplication(200);
    const after = await progressOf();
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThan(1);

    // The same number through GraphQL, as the progress field of the rule.
    const res = await graphql(
      http,
      ADMIN,
      '{ replicationRules(bucket: "demo-source") { id progress { historicalObjectProgress } } }',
    );
    const body = res.json<{
      data: { replicationRules: Array<{ id: string; progress: { historicalObjectProgress: number } }> };
    }>();
    const seeded = body.data.replicationRules.find((r) => r.id === DEMO_RULE.id);
    expect(seeded?.progress.historicalObjectProgress).toBe(after);
  });

  it('answers GraphQL with the demo keys: the viewer reads, and is FORBIDDEN to set RTC', async () => {
    const read = await graphql(http, VIEWER, '{ replicationRules(bucket: "demo-source") { id status } }');
    expect(read.json<{ data: { replicationRules: Array<{ id: string }> } }>().data.replicationRules).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: DEMO_RULE.id })]),
    );
    const write = await graphql(
      http,
      VIEWER,
      `mutation { setReplicationTimeControl(bucket: "demo-source", ruleId: "${DEMO_RULE.id}", enabled: false) { id } }`,
    );
    expect(write.json<{ errors: Array<{ extensions: { code: string } }> }>().errors[0]?.extensions.code).toBe(
      'FORBIDDEN',
    );
  });

  it('removes the demo principals file on close', async () => {
    const other = await prepareEmbedded(
      buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' }),
      {
        seed: false,
      },
    );
    expect(existsSync(other.principalsFile)).toBe(true);
    await other.close();
    expect(existsSync(other.principalsFile)).toBe(false);
  });

  it('keeps a configured GATEWAY_PRINCIPALS_FILE: its callers work and no demo key does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'embedded-principals-'));
    const file = join(dir, 'principals.yaml');
    writeFileSync(
      file,
      'principals:\n  - id: ops\n    type: user\n    policies: [AliyunOSSReadOnlyAccess]\n    apiKeys:\n      - id: ops-1\n        secret: ops-only-secret-0001\n',
    );
    const config = buildAppConfig({
      DATABASE_URL: 'sqlite::memory:',
      EMULATOR_PORT: '0',
      GATEWAY_PRINCIPALS_FILE: file,
    });
    const own = await prepareEmbedded(config, { seed: false });
    const booted = await bootApp(own.config);
    try {
      expect(own.callers).toEqual([]);
      expect(own.config.auth.principalsFile).toBe(file);
      const mine = await call(booted.http, 'ops-only-secret-0001', { method: 'GET', url: '/v1/me' });
      expect(mine.json()).toMatchObject({ id: 'ops' });
      const demo = await call(booted.http, ADMIN, { method: 'GET', url: '/v1/me' });
      expect(demo.statusCode).toBe(401);
    } finally {
      await booted.app.close();
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('upstream mode', () => {
  let env: EmbeddedEnvironment;
  let app: NestFastifyApplication;
  let http: FastifyInstance;

  beforeAll(async () => {
    // An emulator stands in for OSS; the gateway is given OSS credentials, so it is in upstream mode.
    env = await prepareEmbedded(buildAppConfig({ DATABASE_URL: 'sqlite::memory:', EMULATOR_PORT: '0' }));
    const key = env.emulator.accessKeys[0];
    const config = buildAppConfig({
      DATABASE_URL: 'sqlite::memory:',
      OSS_ACCESS_KEY_ID: key.accessKeyId,
      OSS_ACCESS_KEY_SECRET: key.accessKeySecret,
      OSS_ENDPOINT: env.emulator.url,
    });
    expect(config.mode).toBe('upstream');
    ({ app, http } = await bootApp(config));
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('refuses to prepare the embedded environment', async () => {
    const config = buildAppConfig({ OSS_ACCESS_KEY_ID: 'AKID', OSS_ACCESS_KEY_SECRET: 'secret' });
    await expect(prepareEmbedded(config)).rejects.toThrow(/only for embedded mode/);
    expect(config.oss.endpoint).toBeUndefined();
    expect(config.auth.principalsFile).toBeUndefined();
  });

  it.each(DEMO_CALLERS.map((c) => [c.principal, c.apiKey]))(
    'rejects the %s demo key (%s) with 401',
    async (_p, key) => {
      const rest = await call(http, key, { method: 'GET', url: rulesUrl('demo-source') });
      expect(rest.statusCode).toBe(401);
      const bearer = await http.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${key}` },
      });
      expect(bearer.statusCode).toBe(401);
      const gql = await graphql(http, key, '{ replicationRules(bucket: "demo-source") { id } }');
      expect(gql.json<{ errors: Array<{ extensions: { code: string } }> }>().errors[0]?.extensions.code).toBe(
        'UNAUTHENTICATED',
      );
    },
  );
});
