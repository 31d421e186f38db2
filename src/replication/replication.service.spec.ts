import { describe, expect, it, vi } from 'vitest';
import { aRule, hangzhouLocations } from '../../test/fixtures/replication/rules.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import type { AuditService } from '../audit/audit.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { buildAppConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CallContext } from './call-context.js';
import type { NewReplicationRule, ReplicationRuleModel } from './domain/replication-rule.js';
import type { BucketLocation, BucketRegionResolver } from '../auth/ports/bucket-region-resolver.port.js';
import type { OssRequestPlan, ReplicationApi } from './ports/replication-api.port.js';
import { ReplicationService } from './replication.service.js';

/** An in-memory ReplicationApi (and bucket location lookup) that records every call. */
class FakeReplicationApi implements ReplicationApi, BucketRegionResolver {
  rules: ReplicationRuleModel[] = [];
  calls: string[] = [];
  failNext?: Error;
  counter = 0;

  private answer<T>(name: string, value: T): Promise<T & { requestId: string }> {
    this.calls.push(name);
    this.counter += 1;
    const failure = this.failNext;
    if (failure) {
      this.failNext = undefined;
      return Promise.reject(failure);
    }
    return Promise.resolve({ ...value, requestId: `req-${this.counter}` });
  }

  listRules() {
    return this.answer('GetBucketReplication', { rules: this.rules.map((r) => ({ ...r })) });
  }
  putRule(_bucket: string, rule: NewReplicationRule) {
    this.rules.push({
      ...rule,
      destination: { ...rule.destination, transferType: rule.destination.transferType ?? 'internal' },
      status: 'starting',
      rtc: rule.rtc.enabled ? { enabled: true, status: 'enabling' } : { enabled: false },
    });
    return this.answer('PutBucketReplication', { ruleId: rule.id });
  }
  setRtc(_bucket: string, ruleId: string, enabled: boolean) {
    const rule = this.rules.find((r) => r.id === ruleId)!;
    rule.rtc = enabled ? { enabled: true, status: 'enabling' } : { enabled: false, status: 'disabled' };
    return this.answer('PutBucketRtc', {});
  }
  deleteRule(_bucket: string, ruleId: string) {
    const rule = this.rules.find((r) => r.id === ruleId)!;
    rule.status = 'closing';
    return this.answer('DeleteBucketReplication', { alreadyClosing: false });
  }
  getProgress(_bucket: string, ruleId: string) {
    const rule = this.rules.find((r) => r.id === ruleId)!;
    return this.answer('GetBucketReplicationProgress', {
      progress: {
        ruleId,
        status: rule.status,
        destination: rule.destination,
        historicalObjectReplication: rule.historicalObjectReplication,
        historicalObjectProgress: 0.5,
        newObjectsReplicatedUntil: null,
      },
    });
  }
  getLocations() {
    return this.answer('GetBucketReplicationLocation', { locations: hangzhouLocations() });
  }
  /** Every bucket is in hangzhou except these. */
  bucketLocations: Record<string, string> = { 'dest-bucket': 'oss-cn-beijing' };
  locate(bucket: string): BucketLocation | Promise<BucketLocation> {
    return Promise.resolve({ requestId: 'loc', location: this.bucketLocations[bucket] ?? 'oss-cn-hangzhou' });
  }
  planPutRule(bucket: string, rule: NewReplicationRule): OssRequestPlan {
    return {
      operation: 'PutBucketReplication',
      method: 'POST',
      bucket,
      resource: '/?replication&comp=add',
      body: rule.id,
    };
  }
  planSetRtc(bucket: string): OssRequestPlan {
    return { operation: 'PutBucketRtc', method: 'PUT', bucket, resource: '/?rtc' };
  }
  planDeleteRule(bucket: string): OssRequestPlan {
    return {
      operation: 'DeleteBucketReplication',
      method: 'POST',
      bucket,
      resource: '/?replication&comp=delete',
    };
  }
}

const ctx: CallContext = { requestId: 'r-1', transport: 'http', principal: 'alice', keyId: 'alice-1' };
const BUCKET = 'src-bucket';
const NOW = new Date('2026-01-01T00:00:00Z');

function setup() {
  const api = new FakeReplicationApi();
  const events: AuditEventInput[] = [];
  /** The events committed (durably) so far, and whether commits fail. */
  const committed: AuditEventInput[] = [];
  const commits = { fail: false };
  const audit = {
    retryAfterSeconds: 1,
    record: (e: AuditEventInput) => events.push(e),
    committed: (seq: number) => {
      if (commits.fail) {
        return Promise.reject(new DomainError(ErrorCode.AuditUnavailable, 'down'));
      }
      committed.push(...events.slice(committed.length, seq));
      return Promise.resolve();
    },
  } as unknown as AuditService;
  const config = buildAppConfig({ OSS_ACCOUNT_ID: '1234567890123456', DATABASE_URL: 'sqlite::memory:' });
  let ids = 0;
  const service = new ReplicationService(
    api,
    api,
    audit,
    new MetricsService(),
    config,
    () => NOW,
    () => `gen-${++ids}`,
  );
  /** Audit events are recorded once the resource ARN is known (a microtask later). */
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return { api, events, committed, commits, service, settled };
}

const toBeijing = { destination: { bucket: 'dest-bucket', location: 'oss-cn-beijing' } };

describe(ReplicationService.name, () => {
  it('creates a rule with a generated id and answers it as re-read from OSS', async () => {
    const { api, service } = setup();
    const outcome = await service.create(ctx, BUCKET, toBeijing, false);
    expect(outcome).toMatchObject({ created: true, rule: { id: 'gen-1', status: 'starting' } });
    expect(api.calls).toEqual([
      'GetBucketReplication',
      'GetBucketReplicationLocation',
      'PutBucketReplication',
      'GetBucketReplication',
    ]);
  });

  it('answers a retry with the same id and body with the existing rule and writes nothing', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'r', prefixes: [] })];
    const outcome = await service.create(ctx, BUCKET, { id: 'r', ...toBeijing }, false);
    expect(outcome).toEqual({ created: false, rule: api.rules[0] });
    expect(api.calls).not.toContain('PutBucketReplication');
  });

  it('treats BucketReplicationAlreadyExist for its own rule id as success (the first attempt reached OSS)', async () => {
    const { api, service } = setup();
    const put = api.putRule.bind(api);
    api.putRule = (bucket: string, rule: NewReplicationRule) => {
      // The write lands, but the caller sees OSS refuse the retried request.
      void put(bucket, rule);
      return Promise.reject(
        new DomainError(ErrorCode.ReplicationConflict, 'exists', {
          oss: { code: 'BucketReplicationAlreadyExist', message: 'exists', status: 400 },
        }),
      );
    };
    const outcome = await service.create(ctx, BUCKET, { id: 'mine', ...toBeijing }, false);
    expect(outcome).toMatchObject({ created: false, rule: { id: 'mine' } });
  });

  it('still reports BucketReplicationAlreadyExist when the existing rule is not the one it sent', async () => {
    const { api, service } = setup();
    api.putRule = () =>
      Promise.reject(
        new DomainError(ErrorCode.ReplicationConflict, 'exists', {
          oss: { code: 'BucketReplicationAlreadyExist', message: 'exists', status: 400 },
        }),
      );
    await expect(service.create(ctx, BUCKET, { id: 'mine', ...toBeijing }, false)).rejects.toMatchObject({
      code: ErrorCode.ReplicationConflict,
    });
  });

  it('refuses the same id with a different body, or a rule still closing, with a conflict', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'r', prefixes: [] })];
    await expect(
      service.create(ctx, BUCKET, { id: 'r', ...toBeijing, action: 'PUT' }, false),
    ).rejects.toMatchObject({
      code: ErrorCode.ReplicationConflict,
    });
    api.rules = [aRule({ id: 'r', prefixes: [], status: 'closing' })];
    await expect(service.create(ctx, BUCKET, { id: 'r', ...toBeijing }, false)).rejects.toThrow(/closing/);
    expect(api.calls).not.toContain('PutBucketReplication');
  });

  it('throws all pre-flight findings as PreflightFailed, or ReplicationConflict when all are conflicts', async () => {
    const { api, service } = setup();
    const invalid = service.create(
      ctx,
      BUCKET,
      { destination: { bucket: BUCKET, location: 'oss-eu-central-1' } },
      false,
    );
    await expect(invalid).rejects.toMatchObject({
      code: ErrorCode.PreflightFailed,
      details: { errors: [{ code: 'SameBucketDestination' }, { code: 'DestinationLocationNotAllowed' }] },
    });
    api.rules = [aRule({ id: 'existing' })];
    await expect(service.create(ctx, BUCKET, toBeijing, false)).rejects.toMatchObject({
      code: ErrorCode.ReplicationConflict,
      details: { errors: [{ field: 'destination.bucket', code: 'DuplicateDestination' }] },
    });
    expect(api.calls).not.toContain('PutBucketReplication');
  });

  it('dry-runs a create: the plan, no write, every audit event marked dry-run', async () => {
    const { api, events, service, settled } = setup();
    const outcome = await service.create(ctx, BUCKET, { id: 'dry', ...toBeijing }, true);
    await settled();
    expect(outcome.plan).toMatchObject({ operation: 'PutBucketReplication', body: 'dry' });
    expect(outcome.rule.status).toBe('starting');
    expect(api.rules).toEqual([]);
    expect(api.calls).not.toContain('PutBucketReplication');
    expect(events.map((e) => [e.operation, e.dryRun])).toEqual(
      expect.arrayContaining([
        ['GetBucketReplication', true],
        ['GetBucketReplicationLocation', true],
        ['PutBucketReplication', true],
      ]),
    );
  });

  it('audits each forwarded call with the action, bucket ARN, OSS request id, status and latency', async () => {
    const { events, service, settled } = setup();
    await service.list(ctx, BUCKET);
    await settled();
    expect(events).toEqual([
      {
        time: NOW,
        requestId: 'r-1',
        transport: 'http',
        kind: 'oss-call',
        principal: 'alice',
        keyId: 'alice-1',
        action: 'oss:GetBucketReplication',
        resource: `acs:oss:cn-hangzhou:1234567890123456:${BUCKET}`,
        operation: 'GetBucketReplication',
        outcomeStatus: 200,
        ossRequestId: 'req-1',
        latencyMs: expect.any(Number),
        dryRun: false,
      },
    ]);
  });

  it('audits with a cached bucket location at once, and looks the location up when it is not cached', async () => {
    const { api, events, service, settled } = setup();
    const cached = new Map([[BUCKET, 'oss-cn-shenzhen']]);
    const lookUp = api.locate.bind(api);
    const lookups = vi.fn(lookUp);
    // A cached location answers at once; any other is looked up.
    api.locate = (bucket: string) => {
      const location = cached.get(bucket);
      return location !== undefined ? { location, requestId: 'loc' } : lookups(bucket);
    };
    await service.list(ctx, BUCKET);
    expect(events.map((e) => e.resource)).toEqual([`acs:oss:cn-shenzhen:1234567890123456:${BUCKET}`]);
    expect(lookups).not.toHaveBeenCalled();

    cached.clear();
    await service.list(ctx, BUCKET);
    await settled();
    expect(lookups).toHaveBeenCalledWith(BUCKET);
    expect(events[1].resource).toBe(`acs:oss:cn-hangzhou:1234567890123456:${BUCKET}`);
  });

  it('turns an OSS failure into a domain error and audits its code and request id', async () => {
    const { api, events, service, settled } = setup();
    api.failNext = new DomainError(ErrorCode.BucketNotFound, 'gone', {
      oss: { code: 'NoSuchBucket', message: 'gone', requestId: 'oss-9', status: 404 },
    });
    const failure = service.list(ctx, BUCKET);
    await expect(failure).rejects.toBeInstanceOf(DomainError);
    await expect(service.locations(ctx, BUCKET)).resolves.toBeDefined();
    api.failNext = new Error('not a domain error');
    await expect(service.list(ctx, BUCKET)).rejects.toMatchObject({ code: ErrorCode.Internal });
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.BucketNotFound });
    await settled();
    expect(events[0]).toMatchObject({
      outcomeStatus: 404,
      ossErrorCode: 'NoSuchBucket',
      ossRequestId: 'oss-9',
    });
  });

  it('fails and audits an adapter that throws before returning a promise like one that rejects', async () => {
    const { api, events, service, settled } = setup();
    vi.spyOn(api, 'listRules').mockImplementation(() => {
      throw new DomainError(ErrorCode.UpstreamError, 'refused', {
        oss: { code: 'InvalidAccessKeyId', message: 'refused', requestId: 'oss-1', status: 403 },
      });
    });
    const failure = service.list(ctx, BUCKET);
    expect(failure).toBeInstanceOf(Promise);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.UpstreamError });
    await settled();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'oss-call',
      ossErrorCode: 'InvalidAccessKeyId',
      ossRequestId: 'oss-1',
    });
  });

  it('finds one rule or fails with ReplicationRuleNotFound', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'a' })];
    await expect(service.get(ctx, BUCKET, 'a')).resolves.toMatchObject({ id: 'a' });
    await expect(service.get(ctx, BUCKET, 'b')).rejects.toMatchObject({
      code: ErrorCode.ReplicationRuleNotFound,
    });
  });

  it('sets RTC after its pre-flight check, and dry-runs it without writing', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'a' })];
    const dry = await service.setRtc(ctx, BUCKET, 'a', true, true);
    expect(dry).toMatchObject({
      plan: { operation: 'PutBucketRtc' },
      rule: { rtc: { enabled: true, status: 'enabling' } },
    });
    expect(api.calls).not.toContain('PutBucketRtc');
    const done = await service.setRtc(ctx, BUCKET, 'a', true, false);
    expect(done.rule.rtc).toEqual({ enabled: true, status: 'enabling' });
    api.rules = [
      aRule({
        id: 'hk',
        destination: { bucket: 'hk', location: 'oss-cn-hongkong', transferType: 'oss_acc' },
      }),
    ];
    await expect(service.setRtc(ctx, BUCKET, 'hk', true, false)).rejects.toMatchObject({
      code: ErrorCode.PreflightFailed,
    });
    await expect(service.setRtc(ctx, BUCKET, 'nope', false, false)).rejects.toMatchObject({
      code: ErrorCode.ReplicationRuleNotFound,
    });
  });

  it('deletes a rule and answers it closing; a dry run leaves it alone', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'a' })];
    const dry = await service.delete(ctx, BUCKET, 'a', true);
    expect(dry).toMatchObject({
      rule: { status: 'closing' },
      plan: { operation: 'DeleteBucketReplication' },
    });
    expect(api.rules[0].status).toBe('doing');
    await expect(service.delete(ctx, BUCKET, 'a', false)).resolves.toMatchObject({
      rule: { id: 'a', status: 'closing' },
    });
    await expect(service.delete(ctx, BUCKET, 'b', false)).rejects.toMatchObject({
      code: ErrorCode.ReplicationRuleNotFound,
    });
  });

  it('still answers a successful write when the re-read fails', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'a' })];
    const original = api.deleteRule.bind(api);
    api.deleteRule = async (bucket, ruleId) => {
      const result = await original(bucket, ruleId);
      api.failNext = new DomainError(ErrorCode.UpstreamError, 'busy');
      return result;
    };
    await expect(service.delete(ctx, BUCKET, 'a', false)).resolves.toMatchObject({
      rule: { status: 'closing' },
    });
  });

  it('reads progress and locations through the port', async () => {
    const { api, service } = setup();
    api.rules = [aRule({ id: 'a' })];
    await expect(service.progress(ctx, BUCKET, 'a')).resolves.toMatchObject({
      ruleId: 'a',
      historicalObjectProgress: 0.5,
    });
    await expect(service.locations(ctx, BUCKET)).resolves.toEqual(hangzhouLocations());
  });

  it("reads a bucket's destination locations once for its pre-flights, and again after OSS refused a write", async () => {
    const { api, service } = setup();
    const locationReads = () => api.calls.filter((c) => c === 'GetBucketReplicationLocation').length;
    await service.create(ctx, BUCKET, { id: 'one', ...toBeijing }, false);
    await service.setRtc(ctx, BUCKET, 'one', true, false);
    api.rules = [];
    await service.create(ctx, BUCKET, { id: 'two', ...toBeijing }, true);
    expect(locationReads()).toBe(1);
    expect(await service.locations(ctx, BUCKET)).toEqual(hangzhouLocations());
    expect(locationReads()).toBe(2);

    api.putRule = () => Promise.reject(new DomainError(ErrorCode.UpstreamError, 'refused'));
    await expect(service.create(ctx, BUCKET, { id: 'three', ...toBeijing }, false)).rejects.toMatchObject({
      code: ErrorCode.UpstreamError,
    });
    api.rules = [aRule({ id: 'one' })];
    await service.setRtc(ctx, BUCKET, 'one', true, true);
    expect(locationReads()).toBe(3);
  });

  describe('durable audit of writes', () => {
    it("commits the write's oss-call event (and the reads before it) before answering", async () => {
      const { api, service, committed } = setup();
      api.rules = [aRule({ id: 'r1' })];
      await service.setRtc(ctx, BUCKET, 'r1', false, false);
      expect(committed.map((e) => e.operation)).toEqual(['GetBucketReplication', 'PutBucketRtc']);
    });

    it("commits a dry run's event before answering the plan", async () => {
      const { api, service, committed } = setup();
      api.rules = [aRule({ id: 'r1' })];
      await service.delete(ctx, BUCKET, 'r1', true);
      expect(committed.at(-1)).toMatchObject({ operation: 'DeleteBucketReplication', dryRun: true });
    });

    it("fails with AuditUnavailable when the write's event cannot be committed", async () => {
      const { api, service, commits } = setup();
      api.rules = [aRule({ id: 'r1' })];
      commits.fail = true;
      await expect(service.setRtc(ctx, BUCKET, 'r1', false, false)).rejects.toMatchObject({
        code: ErrorCode.AuditUnavailable,
        message: expect.stringContaining('PutBucketRtc was sent to OSS'),
      });
    });
  });
});
