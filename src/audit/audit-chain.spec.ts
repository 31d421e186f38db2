import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionInput, ossCallInput } from './__fixtures__/audit-events.js';
import {
  type AuditChainCheckpoint,
  type AuditChainSource,
  canonicalAuditEventJson,
  canonicalJson,
  chainHash,
  type ChainedAuditEvent,
  GENESIS_HASH,
  linkAuditEvent,
  verifyAuditChains,
} from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';

const EVENT: AuditEvent = {
  ...decisionInput({ time: new Date('2025-05-01T12:00:00.000Z'), clientRequestId: 'caller-7' }),
  id: '01969a1e-2c00-7000-8000-000000000001',
  bucket: 'source-bucket',
};

describe(canonicalJson.name, () => {
  it('sorts keys at every level, leaves out absent values and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [true, 'x'] }, e: undefined })).toBe(
      '{"a":{"c":[true,"x"]},"b":1}',
    );
  });

  it("writes numbers in ECMAScript's shortest round-trip form and dates as ISO-8601 UTC", () => {
    expect(canonicalJson([12.5, -0, 1e21, 0.1 + 0.2, 1e-7])).toBe('[12.5,0,1e+21,0.30000000000000004,1e-7]');
    expect(canonicalJson(new Date('2025-05-01T12:00:00+02:00'))).toBe('"2025-05-01T10:00:00.000Z"');
    expect(canonicalJson({ n: Number.NaN, i: Infinity })).toBe('{}');
  });

  it('escapes strings as JSON.stringify does, with lone surrogates replaced', () => {
    expect(canonicalJson('he said "ok" \\ \n é 漢 😀')).toBe(JSON.stringify('he said "ok" \\ \n é 漢 😀'));
    expect(canonicalJson('a\ud800b')).toBe('"a\ufffdb"');
  });
});

describe(canonicalAuditEventJson.name, () => {
  it('is the canonical JSON of the event with its instance and seq (golden)', () => {
    expect(canonicalAuditEventJson(EVENT, 'gw-1:3000', 7)).toBe(
      '{"action":"oss:PutBucketRtc","bucket":"source-bucket","clientRequestId":"caller-7","decision":"Allow",' +
        '"dryRun":false,"id":"01969a1e-2c00-7000-8000-000000000001","instanceId":"gw-1:3000","keyId":"billing-1",' +
        '"kind":"decision","matchedStatements":[{"effect":"Allow","policy":"ReplicationAdmin","sid":"AllowRtc",' +
        '"statement":0}],"principal":"billing-service","requestId":"req-1",' +
        '"resource":"acs:oss:cn-hangzhou:1234567890123456:source-bucket","seq":7,"sourceIp":"10.0.0.7",' +
        '"time":"2025-05-01T12:00:00.000Z","transport":"http","userAgent":"billing-client/1.2"}',
    );
  });

  it('equals the generic canonical JSON for any event', () => {
    const optionalString = fc.option(fc.string({ unit: 'grapheme-composite', maxLength: 12 }), {
      nil: undefined,
    });
    const event = fc.record({
      id: fc.uuid(),
      time: fc.date({ min: new Date(0), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }),
      requestId: fc.string(),
      clientRequestId: optionalString,
      transport: fc.constantFrom('http' as const, 'graphql' as const),
      kind: fc.constantFrom('decision' as const, 'oss-call' as const),
      principal: optionalString,
      keyId: optionalString,
      sourceIp: optionalString,
      userAgent: fc.option(fc.string(), { nil: undefined }),
      action: fc.string(),
      resource: fc.string(),
      bucket: optionalString,
      decision: fc.option(
        fc.constantFrom('Allow' as const, 'ImplicitDeny' as const, 'ExplicitDeny' as const),
        {
          nil: undefined,
        },
      ),
      matchedStatements: fc.option(
        fc.array(
          fc.record(
            {
              policy: fc.string(),
              statement: fc.nat(),
              sid: fc.string(),
              effect: fc.constantFrom('Allow' as const, 'Deny' as const),
            },
            { requiredKeys: ['policy', 'statement', 'effect'] },
          ),
        ),
        { nil: undefined },
      ),
      operation: optionalString,
      outcomeStatus: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
      ossRequestId: optionalString,
      ossErrorCode: optionalString,
      latencyMs: fc.option(fc.double(), { nil: undefined }),
      dryRun: fc.boolean(),
      repeats: fc.option(fc.integer({ min: 2, max: 1000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(event, fc.string({ minLength: 1 }), fc.nat(), (e, instanceId, seq) => {
        expect(canonicalAuditEventJson(e, instanceId, seq)).toBe(canonicalJson({ ...e, instanceId, seq }));
      }),
    );
  });
});

describe(linkAuditEvent.name, () => {
  it('hashes the previous hash followed by the canonical JSON, and numbers the event after the head', () => {
    const link = linkAuditEvent(EVENT, 'gw-1:3000', { seq: 6, hash: 'ab'.repeat(32) });
    const expected = createHash('sha256')
      .update('ab'.repeat(32) + canonicalAuditEventJson(EVENT, 'gw-1:3000', 7))
      .digest('hex');
    expect(link).toEqual({ instanceId: 'gw-1:3000', seq: 7, previousHash: 'ab'.repeat(32), hash: expected });
  });

  it('starts a chain from the genesis hash (golden)', () => {
    expect(linkAuditEvent(EVENT, 'gw-1:3000', { seq: 0, hash: GENESIS_HASH }).hash).toBe(
      chainHash(GENESIS_HASH, canonicalAuditEventJson(EVENT, 'gw-1:3000', 1)),
    );
    expect(chainHash(GENESIS_HASH, '{}')).toBe(
      createHash('sha256')
        .update(`${'0'.repeat(64)}{}`)
        .digest('hex'),
    );
  });
});

/** A chain of `n` events of one instance, as a store would hold them. */
function chain(
  instanceId: string,
  n: number,
  from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
) {
  const events: ChainedAuditEvent[] = [];
  let head = from;
  for (let i = 0; i < n; i += 1) {
    const event: AuditEvent = {
      ...ossCallInput({ requestId: `${instanceId}-${i}` }),
      id: `${instanceId}-event-${head.seq + 1}`,
    };
    const link = linkAuditEvent(event, instanceId, head);
    events.push({ ...event, chain: link });
    head = { seq: link.seq, hash: link.hash };
  }
  return events;
}

function source(events: ChainedAuditEvent[], checkpoints: AuditChainCheckpoint[] = []): AuditChainSource {
  const ordered = [...events].sort((a, b) =>
    a.chain.instanceId === b.chain.instanceId
      ? a.chain.seq - b.chain.seq
      : a.chain.instanceId < b.chain.instanceId
        ? -1
        : 1,
  );
  return {
    chainCheckpoints: () => Promise.resolve(checkpoints),
    unchainedEventCount: () => Promise.resolve(0),
    chainedEvents: (limit, after) =>
      Promise.resolve(
        ordered
          .filter(
            (e) =>
              !after ||
              e.chain.instanceId > after.instanceId ||
              (e.chain.instanceId === after.instanceId && e.chain.seq > after.seq),
          )
          .slice(0, limit),
      ),
  };
}

describe(verifyAuditChains.name, () => {
  it('accepts intact chains of several instances, read in small pages', async () => {
    const report = await verifyAuditChains(source([...chain('b', 5), ...chain('a', 4)]), { pageSize: 2 });
    expect(report).toMatchObject({ valid: true, eventsVerified: 9, firstFailure: null });
    expect(report.chains.map((c) => [c.instanceId, c.firstSeq, c.lastSeq, c.events])).toEqual([
      ['a', 1, 4, 4],
      ['b', 1, 5, 5],
    ]);
  });

  it('checks only the events of a from/to window, each chain anchored at its first event there', async () => {
    const times = [1, 2, 3, 4, 5, 6].map((minute) => new Date(Date.UTC(2025, 4, 1, 0, minute)));
    const events: ChainedAuditEvent[] = [];
    let head = { seq: 0, hash: GENESIS_HASH };
    for (const time of times) {
      const event: AuditEvent = {
        ...ossCallInput({ requestId: `w-${time.getTime()}` }),
        id: `w-${head.seq + 1}`,
        time,
      };
      const link = linkAuditEvent(event, 'a', head);
      events.push({ ...event, chain: link });
      head = { seq: link.seq, hash: link.hash };
    }
    events[1] = { ...events[1], principal: 'mallory' };
    // The changed event (seq 2) is before the window: seqs 3 to 5 verify from their own links.
    const window = await verifyAuditChains(source(events), { from: times[2], to: times[5] });
    expect(window).toMatchObject({ valid: true, eventsVerified: 3, firstFailure: null });
    expect(window.chains[0]).toMatchObject({ firstSeq: 3, lastSeq: 5 });
    // A window that holds it names it.
    const holding = await verifyAuditChains(source(events), { from: times[0], to: times[5] });
    expect(holding.firstFailure).toMatchObject({ reason: 'hash-mismatch', seq: 2 });
  });

  it('names a changed event: hash mismatch', async () => {
    const events = chain('a', 5);
    events[2] = { ...events[2], principal: 'mallory' };
    const report = await verifyAuditChains(source(events), { pageSize: 2 });
    expect(report.valid).toBe(false);
    expect(report.firstFailure).toMatchObject({
      reason: 'hash-mismatch',
      instanceId: 'a',
      seq: 3,
      eventId: 'a-event-3',
      storedHash: events[2].chain.hash,
    });
  });

  it('names the event after a deleted one: missing seq', async () => {
    const events = chain('a', 5).filter((e) => e.chain.seq !== 2);
    expect((await verifyAuditChains(source(events))).firstFailure).toMatchObject({
      reason: 'missing-seq',
      seq: 2,
      eventId: 'a-event-3',
    });
  });

  it('names the event after one replaced with a recomputed hash: broken link', async () => {
    const events = chain('a', 4);
    const forged = { ...events[1], principal: 'mallory' };
    forged.chain = linkAuditEvent(forged, 'a', { seq: 1, hash: events[0].chain.hash });
    events[1] = forged;
    expect((await verifyAuditChains(source(events))).firstFailure).toMatchObject({
      reason: 'broken-link',
      seq: 3,
      eventId: 'a-event-3',
      expectedHash: forged.chain.hash,
    });
  });

  it("finds the newest events deleted when told the instance's own head", async () => {
    const events = chain('a', 5);
    const head = { instanceId: 'a', seq: 5, hash: events[4].chain.hash };
    expect((await verifyAuditChains(source(events), { knownHead: head })).valid).toBe(true);
    const report = await verifyAuditChains(source(events.slice(0, 3)), { knownHead: head });
    expect(report.firstFailure).toMatchObject({ reason: 'head-mismatch', instanceId: 'a', seq: 4 });
    expect(report.firstFailure?.eventId).toBeUndefined();
  });

  it('verifies a pruned chain from its checkpoint, and names a deletion right after it', async () => {
    const events = chain('a', 6);
    const checkpoint = { instanceId: 'a', seq: 3, hash: events[2].chain.hash, prunedAt: new Date() };
    const pruned = events.slice(3);
    const report = await verifyAuditChains(source(pruned, [checkpoint]));
    expect(report).toMatchObject({ valid: true, eventsVerified: 3 });
    expect(report.chains[0]).toMatchObject({ firstSeq: 4, lastSeq: 6, checkpoint });

    expect((await verifyAuditChains(source(pruned.slice(1), [checkpoint]))).firstFailure).toMatchObject({
      reason: 'missing-seq',
      seq: 4,
      eventId: 'a-event-5',
    });
  });

  it('reports the first failure in instance order and keeps checking the other chains', async () => {
    const a = chain('a', 3);
    const b = chain('b', 3);
    const c = chain('c', 3);
    a[1] = { ...a[1], action: 'oss:Nothing' };
    c[0] = { ...c[0], action: 'oss:Nothing' };
    const report = await verifyAuditChains(source([...a, ...b, ...c]), { pageSize: 2 });
    expect(report.firstFailure).toMatchObject({ instanceId: 'a', seq: 2 });
    expect(report.chains.map((x) => [x.instanceId, x.failure?.seq ?? null, x.events])).toEqual([
      ['a', 2, 1],
      ['b', null, 3],
      ['c', 1, 0],
    ]);
  });

  it('verifies again from the newer checkpoint when a prune ran during the walk', async () => {
    const events = chain('a', 6);
    let reads = 0;
    const checkpoint = { instanceId: 'a', seq: 3, hash: events[2].chain.hash, prunedAt: new Date() };
    const racing: AuditChainSource = {
      // The first read sees no checkpoint; the prune then removes seq 1..3 and records one.
      chainCheckpoints: () => Promise.resolve(reads++ === 0 ? [] : [checkpoint]),
      unchainedEventCount: () => Promise.resolve(0),
      chainedEvents: (limit, after) => source(events.slice(3)).chainedEvents(limit, after),
    };
    expect(await verifyAuditChains(racing)).toMatchObject({ valid: true, eventsVerified: 3 });
    // Without a newer checkpoint the deletion stands.
    expect((await verifyAuditChains(source(events.slice(3)))).firstFailure).toMatchObject({
      reason: 'missing-seq',
    });
  });
});
