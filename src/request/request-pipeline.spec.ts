import 'reflect-metadata';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeAuditTrail, fakeAuditTrail } from './__fixtures__/audit-trail.js';
import { AuthorizationService } from '../auth/authorization.service.js';
import { CallerAuthenticator } from '../auth/caller/caller-authenticator.service.js';
import {
  type ActionRequirement,
  bucketArn,
  parentBucketArn,
  AUTHENTICATED,
} from '../auth/decorators/requires-action.decorator.js';
import type { BucketLocation } from '../auth/ports/bucket-region-resolver.port.js';
import { PrincipalsStore } from '../auth/principals/principals-store.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { GatewayRequest, RequestFacts } from '../common/request-context/request-facts.js';
import { buildAppConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { allow, policy, principalWithKey, writePrincipalsFile } from '../../test/fixtures/principals.js';
import type { Endpoint } from './endpoint.js';
import type { RequestDecision, Stage } from './pipeline-request.js';
import { createRequestPipeline, RequestPipeline } from './request-pipeline.js';
import type { RateLimiter } from './stages/rate-limit.stage.js';

function requires(name: string, requirement: ActionRequirement): Endpoint {
  return { name: `Handlers.${name}`, access: { kind: 'requires', requirement }, inputs: [] };
}

const endpoints = {
  putRtc: requires('putRtc', {
    action: 'oss:PutBucketRtc',
    resource: bucketArn('bucket'),
    context: (facts) => ({
      'oss:ReplicationDestinationBucket': (facts.body as { dest?: string } | undefined)?.dest,
      'acs:SourceIp': '1.2.3.4',
    }),
  }),
  progress: requires('progress', {
    action: 'oss:GetBucketReplicationProgress',
    resource: parentBucketArn(),
  }),
  me: requires('me', { action: AUTHENTICATED, resource: { kind: 'static', resource: '*' } }),
  health: { name: 'Handlers.health', access: { kind: 'public' }, inputs: [] } satisfies Endpoint,
  undeclared: { name: 'Handlers.undeclared', access: { kind: 'undeclared' }, inputs: [] } satisfies Endpoint,
};

const NOW = new Date('2030-05-01T08:00:00Z');
/** Allows everything at once, as a limiter that knows its answer may. */
const unlimited: RateLimiter = {
  check: () => ({
    allowed: true,
    class: 'read',
    headers: {},
    state: { policy: 'read', quota: 1, windowSeconds: 1, remaining: 1, resetMs: 1000 },
  }),
  error: () => new DomainError(ErrorCode.RateLimited, 'never'),
};
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

function httpFacts(req: ReturnType<typeof fakeRequest>): RequestFacts {
  return {
    transport: 'http',
    params: req.params,
    query: req.query,
    body: req.body,
    args: {},
    req: req as unknown as GatewayRequest,
  };
}

function graphqlFacts(
  handler: string,
  req: ReturnType<typeof fakeRequest>,
  args: Record<string, unknown>,
  operation: 'query' | 'mutation',
  root: unknown = undefined,
): RequestFacts {
  return {
    transport: 'graphql',
    params: {},
    query: {},
    body: undefined,
    args,
    req: req as unknown as GatewayRequest,
    operation,
    fieldName: handler,
    parentType: root ? 'ReplicationRule' : 'Query',
    parent: root,
  };
}

/** The pipeline answers synchronously when it can; these tests await either form. */
async function activate(
  pipeline: RequestPipeline,
  endpoint: Endpoint,
  facts: RequestFacts,
): Promise<boolean> {
  return pipeline.run(endpoint, facts);
}

describe('RequestPipeline', () => {
  const config = buildAppConfig({ OSS_ACCOUNT_ID: '1234567890123456' });
  const store = new PrincipalsStore({
    file: file.file,
    logger: { log() {}, warn() {}, error() {} },
    watch: false,
    reloadOnSighup: false,
  });
  store.start();
  const clock = () => NOW;
  const regions = {
    locate: vi.fn((_bucket: string): BucketLocation | Promise<BucketLocation> =>
      Promise.resolve({ location: 'oss-cn-shanghai', requestId: 'loc-1' }),
    ),
  };
  let audit: FakeAuditTrail;
  let metrics: MetricsService;
  let guard: RequestPipeline;

  function pipelineWith(locations: typeof regions): RequestPipeline {
    return createRequestPipeline({
      authenticator: new CallerAuthenticator(store, clock),
      validator: { validate: () => undefined },
      authorization: new AuthorizationService(config, locations, clock),
      // Rate limits have specs of their own (src/request/rate-limit, test/e2e/rate-limits): never limited here.
      rateLimiter: unlimited,
      sourceIpOf: () => '127.0.0.1',
      audit,
      metrics,
      clock,
      logger: { error() {} },
    });
  }

  beforeEach(() => {
    audit = fakeAuditTrail();
    metrics = new MetricsService();
    regions.locate.mockClear();
    guard = pipelineWith(regions);
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
    await expect(
      activate(guard, endpoints.health, httpFacts(fakeRequest({ 'x-api-key': '' }))),
    ).resolves.toBe(true);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('denies a handler that declares nothing', async () => {
    const error = await denial(activate(guard, endpoints.undeclared, httpFacts(fakeRequest())));
    expect(error.code).toBe(ErrorCode.AccessDenied);
    expect(error.message).toMatch(/Handlers\.undeclared declares no permission/);
  });

  it('allows an HTTP request its policy allows, with the real region and handler context keys', async () => {
    const req = fakeRequest({}, { params: { bucket: 'src-1' }, body: { dest: 'dst-ok' } });
    await expect(activate(guard, endpoints.putRtc, httpFacts(req))).resolves.toBe(true);
    expect(regions.locate).toHaveBeenCalledWith('src-1');
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
    const error = await denial(activate(guard, endpoints.putRtc, httpFacts(req)));
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
    const facts = graphqlFacts('putRtc', req, { bucket: 'src-2', dryRun: true }, 'mutation');
    const error = await denial(activate(guard, endpoints.putRtc, facts));
    expect(error.details.authorization?.resource).toBe('acs:oss:cn-shanghai:1234567890123456:src-2');
    expect(audit.record.mock.calls[0][0]).toMatchObject({
      transport: 'graphql',
      dryRun: true,
      operation: 'Query.putRtc',
    });
  });

  it('takes the bucket of a field resolver from its parent object', async () => {
    const facts = graphqlFacts('progress', fakeRequest(), {}, 'query', { id: 'rule-1', bucket: 'src-3' });
    await expect(activate(guard, endpoints.progress, facts)).resolves.toBe(true);
    expect(regions.locate).toHaveBeenCalledWith('src-3');
  });

  it('answers 400 for an invalid bucket name before asking for its region', async () => {
    const error = await denial(
      activate(guard, endpoints.putRtc, httpFacts(fakeRequest({}, { params: { bucket: 'Bad_Bucket' } }))),
    );
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(regions.locate).not.toHaveBeenCalled();
  });

  it('uses * as the region when the bucket does not exist', async () => {
    regions.locate.mockReturnValueOnce(Promise.reject(new DomainError(ErrorCode.BucketNotFound, 'gone')));
    const error = await denial(
      activate(guard, endpoints.putRtc, httpFacts(fakeRequest({}, { params: { bucket: 'src-9' } }))),
    );
    expect(error.details.authorization?.resource).toBe('acs:oss:*:1234567890123456:src-9');
  });

  it('takes a cached bucket region without a lookup and looks up the ones not cached', async () => {
    // A cached location answers at once; any other is looked up.
    const cachingRegions = {
      locate: vi.fn((bucket: string): BucketLocation | Promise<BucketLocation> =>
        bucket === 'src-1'
          ? { location: 'oss-cn-shenzhen', requestId: 'loc-0' }
          : Promise.resolve({ location: 'oss-cn-beijing', requestId: 'loc-1' }),
      ),
    };
    const cachingGuard = pipelineWith(cachingRegions);
    const cachedReq = fakeRequest({}, { params: { bucket: 'src-1' }, body: { dest: 'dst-ok' } });
    // Decided without a lookup (a cached region); a mutation's decision is committed before the 403.
    const denied = await denial(activate(cachingGuard, endpoints.putRtc, httpFacts(cachedReq)));
    expect(denied.code).toBe(ErrorCode.AccessDenied);
    expect(audit.committed).toHaveBeenCalledTimes(1);
    expect(cachingRegions.locate).toHaveBeenCalledTimes(1);
    expect(audit.record.mock.calls[0][0]).toMatchObject({
      resource: 'acs:oss:cn-shenzhen:1234567890123456:src-1',
    });

    const lookedUpReq = fakeRequest({}, { params: { bucket: 'src-2' }, body: { dest: 'dst-ok' } });
    await activate(cachingGuard, endpoints.putRtc, httpFacts(lookedUpReq)).catch(() => undefined);
    expect(cachingRegions.locate).toHaveBeenCalledWith('src-2');
    expect(audit.record.mock.calls[1][0]).toMatchObject({
      resource: 'acs:oss:cn-beijing:1234567890123456:src-2',
    });
  });

  it('lets any authenticated caller through @RequiresAuthentication and audits it', async () => {
    await expect(activate(guard, endpoints.me, httpFacts(fakeRequest()))).resolves.toBe(true);
    expect(audit.record.mock.calls[0][0]).toMatchObject({ action: 'authenticated', decision: 'Allow' });
  });

  it('answers 401 to a caller without credentials', async () => {
    const error = await denial(activate(guard, endpoints.me, httpFacts(fakeRequest({ 'x-api-key': '' }))));
    expect(error.code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses mutations but not reads while the audit store is down', async () => {
    audit.available = false;
    const mutation = await denial(
      activate(
        guard,
        endpoints.putRtc,
        graphqlFacts('putRtc', fakeRequest(), { bucket: 'src-1' }, 'mutation'),
      ),
    );
    expect(mutation.code).toBe(ErrorCode.AuditUnavailable);
    const post = await denial(activate(guard, endpoints.me, httpFacts(fakeRequest())));
    expect(post.code).toBe(ErrorCode.AuditUnavailable);
    await expect(activate(guard, endpoints.me, httpFacts(fakeRequest({}, { method: 'GET' })))).resolves.toBe(
      true,
    );
    await expect(
      activate(
        guard,
        endpoints.progress,
        graphqlFacts('progress', fakeRequest(), {}, 'query', { bucket: 'src-3' }),
      ),
    ).resolves.toBe(true);
  });
});

describe(RequestPipeline.name, () => {
  const requirement: ActionRequirement = { action: 'a', resource: { kind: 'static', resource: '*' } };
  const endpoint: Endpoint = { name: 'H.h', access: { kind: 'requires', requirement }, inputs: [] };
  const facts = httpFacts(fakeRequest());

  function recording(waitIn: string[] = []) {
    const order: string[] = [];
    const stage =
      (name: string): Stage =>
      () => {
        order.push(name);
        return waitIn.includes(name) ? Promise.resolve() : undefined;
      };
    const pipeline = new RequestPipeline(
      {
        authenticate: stage('authenticate'),
        rateLimit: [stage('limit 1'), stage('limit 2')],
        anonymousRateLimit: stage('anonymous limit'),
        validate: stage('validate'),
        auditGate: stage('audit gate'),
        authorize: stage('authorize'),
        audit: stage('audit'),
        enforce: stage('enforce'),
      },
      { error() {} },
    );
    return { order, pipeline };
  }

  it('runs the stages in the order of DESIGN §5, rate limits after authentication', () => {
    const { order, pipeline } = recording();
    expect(pipeline.run(endpoint, facts)).toBe(true);
    expect(order).toEqual([
      'authenticate',
      'limit 1',
      'limit 2',
      'validate',
      'audit gate',
      'authorize',
      'audit',
      'enforce',
    ]);
  });

  it('answers with a promise once a stage must wait, and runs the rest after it', async () => {
    const { order, pipeline } = recording(['validate']);
    const answer = pipeline.run(endpoint, facts);
    expect(answer).toBeInstanceOf(Promise);
    expect(order.at(-1)).toBe('validate');
    await expect(answer).resolves.toBe(true);
    expect(order.at(-1)).toBe('enforce');
  });

  it('admits before the body with authentication and the limits, then goes on without charging again', () => {
    const { order, pipeline } = recording();
    const own = { ...facts, req: { ...facts.req } };
    expect(pipeline.admit(endpoint, own)).toBe(true);
    expect(order).toEqual(['authenticate', 'limit 1', 'limit 2']);
    order.length = 0;
    expect(pipeline.run(endpoint, own)).toBe(true);
    expect(order).toEqual(['authenticate', 'validate', 'audit gate', 'authorize', 'audit', 'enforce']);
  });

  it('charges a request read without credentials to the anonymous limit only', () => {
    const { order, pipeline } = recording();
    expect(pipeline.admitAnonymous(endpoint, facts)).toBe(true);
    expect(order).toEqual(['anonymous limit']);
  });

  it('runs no stage for a public endpoint', () => {
    const { order, pipeline } = recording();
    expect(pipeline.run({ ...endpoint, access: { kind: 'public' } }, facts)).toBe(true);
    expect(order).toEqual([]);
  });
});
