import 'reflect-metadata';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { AuditService } from '../audit/audit.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { buildAppConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { allow, policy, principalWithKey, writePrincipalsFile } from '../../test/fixtures/principals.js';
import { AuthorizationService } from './authorization.service.js';
import { CallerAuthenticator } from './caller/caller-authenticator.service.js';
import { Public } from './decorators/public.decorator.js';
import {
  bucketArn,
  parentBucketArn,
  RequiresAction,
  RequiresAuthentication,
} from './decorators/requires-action.decorator.js';
import { PrincipalsStore } from './principals/principals-store.js';
import { RamGuard, type RequestDecision } from './ram.guard.js';

class Handlers {
  @RequiresAction('oss:PutBucketRtc', bucketArn('bucket'), (facts) => ({
    'oss:ReplicationDestinationBucket': (facts.body as { dest?: string } | undefined)?.dest,
    'acs:SourceIp': '1.2.3.4',
  }))
  putRtc(): void {}

  @RequiresAction('oss:GetBucketReplicationProgress', parentBucketArn())
  progress(): void {}

  @RequiresAuthentication()
  me(): void {}

  @Public()
  health(): void {}

  undeclared(): void {}
}

const NOW = new Date('2030-05-01T08:00:00Z');
const writer = principalWithKey('writer', {
  policies: [
    policy(
      allow('oss:PutBucketRtc', 'acs:oss:cn-shanghai:1234567890123456:src-*', {
        Condition: { StringEquals: { 'oss:ReplicationDestinationBucket': 'dst-ok' } },
      }),
      allow('oss:GetBucketReplicationProgress', 'acs:oss:*:*:*'),
    ),
  ],
});
const file = writePrincipalsFile({ principals: [writer.entry] });
afterAll(() => file.cleanup());

function fakeRequest(headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    id: 'req-1',
    method: 'POST',
    url: '/x',
    headers: { 'x-api-key': writer.secret, 'user-agent': 'spec/1', ...headers },
    raw: { socket: { remoteAddress: '::ffff:192.0.2.10', encrypted: false } },
    params: {},
    query: {},
    body: undefined,
    ...extra,
  };
}

function httpContext(handler: keyof Handlers, req: ReturnType<typeof fakeRequest>) {
  const ctx = new ExecutionContextHost([req, {}], Handlers, Handlers.prototype[handler]);
  ctx.setType('http');
  return ctx;
}

function graphqlContext(
  handler: keyof Handlers,
  req: ReturnType<typeof fakeRequest>,
  args: Record<string, unknown>,
  operation: 'query' | 'mutation',
  root: unknown = undefined,
) {
  const info = {
    fieldName: handler,
    parentType: { name: root ? 'ReplicationRule' : 'Query' },
    operation: { operation },
  };
  const ctx = new ExecutionContextHost([root, args, { req }, info], Handlers, Handlers.prototype[handler]);
  ctx.setType('graphql');
  return ctx;
}

/** The guard answers synchronously when it can; Nest awaits either form, and so do these tests. */
async function activate(guard: RamGuard, context: ExecutionContext): Promise<boolean> {
  return guard.canActivate(context);
}

describe(RamGuard.name, () => {
  const config = buildAppConfig({ OSS_ACCOUNT_ID: '1234567890123456' });
  const store = new PrincipalsStore({
    file: file.file,
    logger: { log() {}, warn() {}, error() {} },
    watch: false,
    reloadOnSighup: false,
  });
  store.start();
  const clock = () => NOW;
  const regions = { regionOf: vi.fn((_bucket: string) => Promise.resolve('oss-cn-shanghai')) };
  let audit: { available: boolean; record: ReturnType<typeof vi.fn> };
  let metrics: MetricsService;
  let guard: RamGuard;

  beforeEach(() => {
    audit = { available: true, record: vi.fn() };
    metrics = new MetricsService();
    regions.regionOf.mockClear();
    guard = new RamGuard(
      new Reflector(),
      new CallerAuthenticator(store, clock),
      new AuthorizationService(config, regions, clock),
      audit as unknown as AuditService,
      metrics,
      clock,
    );
  });

  async function denial(promise: Promise<unknown>): Promise<DomainError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }

  it('lets @Public() handlers through without credentials', async () => {
    await expect(activate(guard, httpContext('health', fakeRequest({ 'x-api-key': '' })))).resolves.toBe(
      true,
    );
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('denies a handler that declares nothing', async () => {
    const error = await denial(activate(guard, httpContext('undeclared', fakeRequest())));
    expect(error.code).toBe(ErrorCode.AccessDenied);
    expect(error.message).toMatch(/Handlers\.undeclared declares no permission/);
  });

  it('allows an HTTP request its policy allows, with the real region and handler context keys', async () => {
    const req = fakeRequest({}, { params: { bucket: 'src-1' }, body: { dest: 'dst-ok' } });
    await expect(activate(guard, httpContext('putRtc', req))).resolves.toBe(true);
    expect(regions.regionOf).toHaveBeenCalledWith('src-1');
    const decision = (req as { gateway?: { decision?: RequestDecision } }).gateway?.decision;
    expect(decision).toMatchObject({
      decision: 'Allow',
      action: 'oss:PutBucketRtc',
      resource: 'acs:oss:cn-shanghai:1234567890123456:src-1',
    });
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record.mock.calls[0][0]).toMatchObject({
      time: NOW,
      requestId: 'req-1',
      transport: 'http',
      kind: 'decision',
      principal: 'writer',
      keyId: 'writer-key',
      // The handler may not override acs: keys: the socket peer stays the source IP.
      sourceIp: '192.0.2.10',
      userAgent: 'spec/1',
      decision: 'Allow',
      dryRun: false,
    });
    expect(await metrics.registry.getSingleMetricAsString('gateway_authorization_decisions_total')).toMatch(
      /action="oss:PutBucketRtc",decision="Allow"\} 1/,
    );
  });

  it('denies with the decision details when a condition fails', async () => {
    const req = fakeRequest({}, { params: { bucket: 'src-1' }, body: { dest: 'dst-other' } });
    const error = await denial(activate(guard, httpContext('putRtc', req)));
    expect(error.code).toBe(ErrorCode.AccessDenied);
    expect(error.details.authorization).toEqual({
      decision: 'ImplicitDeny',
      action: 'oss:PutBucketRtc',
      resource: 'acs:oss:cn-shanghai:1234567890123456:src-1',
      matchedStatements: [],
      missingContextKeys: [],
    });
    expect(audit.record.mock.calls[0][0]).toMatchObject({ decision: 'ImplicitDeny' });
  });

  it('reads the bucket from GraphQL arguments and the dry-run flag', async () => {
    const req = fakeRequest();
    const ctx = graphqlContext('putRtc', req, { bucket: 'src-2', dryRun: true }, 'mutation');
    const error = await denial(activate(guard, ctx));
    expect(error.details.authorization?.resource).toBe('acs:oss:cn-shanghai:1234567890123456:src-2');
    expect(audit.record.mock.calls[0][0]).toMatchObject({
      transport: 'graphql',
      dryRun: true,
      operation: 'Query.putRtc',
    });
  });

  it('takes the bucket of a field resolver from its parent object', async () => {
    const ctx = graphqlContext('progress', fakeRequest(), {}, 'query', { id: 'rule-1', bucket: 'src-3' });
    await expect(activate(guard, ctx)).resolves.toBe(true);
    expect(regions.regionOf).toHaveBeenCalledWith('src-3');
  });

  it('answers 400 for an invalid bucket name before asking for its region', async () => {
    const error = await denial(
      activate(guard, httpContext('putRtc', fakeRequest({}, { params: { bucket: 'Bad_Bucket' } }))),
    );
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(regions.regionOf).not.toHaveBeenCalled();
  });

  it('uses * as the region when the bucket does not exist', async () => {
    regions.regionOf.mockRejectedValueOnce(Object.assign(new Error('gone'), { code: 'NoSuchBucket' }));
    const error = await denial(
      activate(guard, httpContext('putRtc', fakeRequest({}, { params: { bucket: 'src-9' } }))),
    );
    expect(error.details.authorization?.resource).toBe('acs:oss:*:1234567890123456:src-9');
  });

  it('takes a cached bucket region without a lookup and looks up the ones not cached', async () => {
    const cachingRegions = {
      regionOf: vi.fn((_bucket: string) => Promise.resolve('cn-beijing')),
      cachedRegionOf: vi.fn((bucket: string) => (bucket === 'src-1' ? 'oss-cn-shenzhen' : undefined)),
    };
    const cachingGuard = new RamGuard(
      new Reflector(),
      new CallerAuthenticator(store, clock),
      new AuthorizationService(config, cachingRegions, clock),
      audit as unknown as AuditService,
      metrics,
      clock,
    );
    const cachedReq = fakeRequest({}, { params: { bucket: 'src-1' }, body: { dest: 'dst-ok' } });
    await activate(cachingGuard, httpContext('putRtc', cachedReq)).catch(() => undefined);
    expect(cachingRegions.regionOf).not.toHaveBeenCalled();
    expect(audit.record.mock.calls[0][0]).toMatchObject({
      resource: 'acs:oss:cn-shenzhen:1234567890123456:src-1',
    });

    const lookedUpReq = fakeRequest({}, { params: { bucket: 'src-2' }, body: { dest: 'dst-ok' } });
    await activate(cachingGuard, httpContext('putRtc', lookedUpReq)).catch(() => undefined);
    expect(cachingRegions.regionOf).toHaveBeenCalledWith('src-2');
    expect(audit.record.mock.calls[1][0]).toMatchObject({
      resource: 'acs:oss:cn-beijing:1234567890123456:src-2',
    });
  });

  it('lets any authenticated caller through @RequiresAuthentication and audits it', async () => {
    await expect(activate(guard, httpContext('me', fakeRequest()))).resolves.toBe(true);
    expect(audit.record.mock.calls[0][0]).toMatchObject({ action: 'authenticated', decision: 'Allow' });
  });

  it('answers 401 to a caller without credentials', async () => {
    const error = await denial(activate(guard, httpContext('me', fakeRequest({ 'x-api-key': '' }))));
    expect(error.code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses mutations but not reads while the audit store is down', async () => {
    audit.available = false;
    const mutation = await denial(
      activate(guard, graphqlContext('putRtc', fakeRequest(), { bucket: 'src-1' }, 'mutation')),
    );
    expect(mutation.code).toBe(ErrorCode.AuditUnavailable);
    const post = await denial(activate(guard, httpContext('me', fakeRequest())));
    expect(post.code).toBe(ErrorCode.AuditUnavailable);
    await expect(activate(guard, httpContext('me', fakeRequest({}, { method: 'GET' })))).resolves.toBe(true);
    await expect(
      activate(guard, graphqlContext('progress', fakeRequest(), {}, 'query', { bucket: 'src-3' })),
    ).resolves.toBe(true);
  });
});
