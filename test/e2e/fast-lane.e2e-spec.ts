import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditService } from '../../src/audit/audit.service.js';
import { RamGuard } from '../../src/auth/ram.guard.js';
import { AllExceptionsFilter } from '../../src/common/errors/all-exceptions.filter.js';
import { FastLane, installFastLane } from '../../src/common/http/fast-lane.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import { BucketArgs } from '../../src/replication/dto/replication.args.js';
import { principalWithKey, writePrincipalsFile, type PrincipalsFile } from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

/*
 * The REST fast lane (`@FastLane()` GET handlers) against Nest's own route for the same handlers:
 * two apps on one emulator, one with the lane and one without, must answer every request alike —
 * status, content type, authentication challenge, body — and audit it alike.
 */

const SOURCE = 'lane-src';
const DEST = 'lane-dst';
const RULE = 'lane-rule';

/** What must match between the two paths: everything but the ids of the gateway's and OSS's requests. */
function answer(res: { status: number; headers: Record<string, string>; body: unknown }) {
  const body = JSON.parse(JSON.stringify(res.body)) as Record<string, unknown> & {
    oss?: { requestId?: string };
  };
  delete body.requestId;
  delete body.instance;
  delete body.oss?.requestId;
  return {
    status: res.status,
    contentType: res.headers['content-type'],
    challenge: res.headers['www-authenticate'],
    hasRequestId: typeof res.headers['x-request-id'] === 'string',
    body,
  };
}

describe('REST fast lane', () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let lane: TestApp;
  let nest: TestApp;
  const admin = principalWithKey('lane-admin', { policies: ['AliyunOSSFullAccess'] });
  const nobody = principalWithKey('lane-nobody');

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, logger: () => undefined });
    emulator.admin.createBucket(SOURCE, 'cn-hangzhou');
    emulator.admin.createBucket(DEST, 'cn-beijing');
    principals = writePrincipalsFile({ principals: [admin.entry, nobody.entry] });
    const env = {
      ...emulatorEnv(emulator),
      GATEWAY_PRINCIPALS_FILE: principals.file,
      // The test's own X-Request-Id values are honoured: it calls from a trusted proxy's address.
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1',
    };
    lane = await createTestApp(env);
    nest = await createTestApp(env, { fastLane: false });
    const created = await nest.request
      .post(`/v1/buckets/${SOURCE}/replication/rules`)
      .set('x-api-key', admin.secret)
      .send({ id: RULE, destination: { bucket: DEST, location: 'oss-cn-beijing' } });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await lane?.close();
    await nest?.close();
    await emulator?.close();
    principals?.cleanup();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const cases: Array<{ name: string; path: string; key?: string }> = [
    { name: 'list', path: `/v1/buckets/${SOURCE}/replication/rules`, key: 'admin' },
    { name: 'get', path: `/v1/buckets/${SOURCE}/replication/rules/${RULE}`, key: 'admin' },
    { name: 'get, no such rule (404)', path: `/v1/buckets/${SOURCE}/replication/rules/none`, key: 'admin' },
    { name: 'progress', path: `/v1/buckets/${SOURCE}/replication/rules/${RULE}/progress`, key: 'admin' },
    { name: 'locations', path: `/v1/buckets/${SOURCE}/replication/locations`, key: 'admin' },
    { name: 'no credential (401)', path: `/v1/buckets/${SOURCE}/replication/rules` },
    { name: 'unknown key (401)', path: `/v1/buckets/${SOURCE}/replication/rules`, key: 'wrong' },
    { name: 'denied (403)', path: `/v1/buckets/${SOURCE}/replication/rules`, key: 'nobody' },
    { name: 'bad bucket name (400)', path: '/v1/buckets/Not_A_Bucket/replication/rules', key: 'admin' },
    { name: 'no such bucket (404)', path: '/v1/buckets/lane-missing/replication/rules', key: 'admin' },
  ];
  const secretOf = (key?: string) =>
    key === 'admin'
      ? admin.secret
      : key === 'nobody'
        ? nobody.secret
        : key === 'wrong'
          ? 'not-a-key'
          : undefined;

  it.each(cases)('answers like Nest’s route: $name', async ({ path, key }) => {
    const secret = secretOf(key);
    const get = (t: TestApp) => {
      const req = t.request.get(path);
      return secret === undefined ? req : req.set('x-api-key', secret);
    };
    // Twice each: the first request to a bucket may wait for its region, the second is decided at once.
    for (let i = 0; i < 2; i += 1) {
      const [viaLane, viaNest] = await Promise.all([get(lane), get(nest)]);
      expect(answer(viaLane)).toEqual(answer(viaNest));
    }
  });

  it('takes the request when the guard decides at once, and audits it like Nest’s route', async () => {
    const path = `/v1/buckets/${SOURCE}/replication/rules`;
    await lane.request.get(path).set('x-api-key', admin.secret);
    const nestGuard = vi.spyOn(RamGuard.prototype, 'canActivate');
    const settled = vi.spyOn(RamGuard.prototype, 'decideSettled');

    const viaLane = await lane.request.get(path).set('x-api-key', admin.secret).set('x-request-id', 'lane-1');
    expect(viaLane.status).toBe(200);
    expect(settled).toHaveBeenCalledTimes(1);
    expect(nestGuard).not.toHaveBeenCalled();

    const viaNest = await nest.request.get(path).set('x-api-key', admin.secret).set('x-request-id', 'nest-1');
    expect(viaNest.status).toBe(200);
    expect(nestGuard).toHaveBeenCalledTimes(1);

    const events = async (t: TestApp, requestId: string) =>
      (await t.app.get(AuditService).query({ requestId }, 10)).items
        .map((e) => ({ kind: e.kind, action: e.action, decision: e.decision, principal: e.principal }))
        .sort((a, b) => a.kind.localeCompare(b.kind));
    const laneEvents = await events(lane, 'lane-1');
    expect(laneEvents).toHaveLength(2);
    expect(laneEvents).toEqual(await events(nest, 'nest-1'));
  });

  it('steps aside when the guard must wait: a bucket whose region is not known yet goes through Nest', async () => {
    emulator.admin.createBucket('lane-fresh', 'cn-shanghai');
    const nestGuard = vi.spyOn(RamGuard.prototype, 'canActivate');
    const first = await lane.request
      .get('/v1/buckets/lane-fresh/replication/rules')
      .set('x-api-key', admin.secret);
    expect(first.status).toBe(200);
    expect(nestGuard).toHaveBeenCalledTimes(1);
    const second = await lane.request
      .get('/v1/buckets/lane-fresh/replication/rules')
      .set('x-api-key', admin.secret);
    expect(second.body).toEqual(first.body);
    expect(nestGuard).toHaveBeenCalledTimes(1);
  });
});

describe('REST fast lane: what it refuses', () => {
  const guard = { decideSettled: () => true as const };

  async function start(controller: new () => object): Promise<unknown> {
    @Module({ controllers: [controller] })
    class LaneTestModule {}
    const app = await NestFactory.create(LaneTestModule, new FastifyAdapter(), { logger: false });
    try {
      installFastLane(app as never, guard, new AllExceptionsFilter());
      await app.init();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await app.close();
    }
  }

  it('starts with a plain GET handler', async () => {
    @Controller('ok')
    class OkController {
      @Get(':bucket')
      @FastLane()
      read(@Param() params: BucketArgs): BucketArgs {
        return params;
      }
    }
    expect(await start(OkController)).toBeUndefined();
  });

  it('refuses a handler that is not a GET, sets its own status, or takes a parameter it cannot build', async () => {
    @Controller('post')
    class PostController {
      @Post()
      @FastLane()
      write(): string {
        return 'x';
      }
    }
    @Controller('code')
    class CodeController {
      @Get()
      @HttpCode(203)
      @FastLane()
      read(): string {
        return 'x';
      }
    }
    @Controller('param')
    class ParamController {
      @Get(':bucket')
      @FastLane()
      read(@Param('bucket') bucket: string): string {
        return bucket;
      }
    }
    expect(String(await start(PostController))).toMatch(/only GET handlers/);
    expect(String(await start(CodeController))).toMatch(/__httpCode__/);
    expect(String(await start(ParamController))).toMatch(/only whole @Param\(\)/);
  });
});
