import { hash as oneShotHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

/*
 * The audit trail's hash chain (DESIGN §10), modelled on CloudTrail's log-file integrity validation:
 * every gateway instance keeps a chain of its own events, numbered 1, 2, 3, … and linked by hash:
 *
 *   hash(event) = hex(sha256(previousHash ‖ canonicalJson(event)))
 *
 * `previousHash` is the hash of the instance's previous event (64 hex digits; for the first event,
 * or the first after a retention checkpoint, the genesis value / the checkpoint's hash), written as
 * those 64 ASCII characters directly followed by the canonical JSON, UTF-8 encoded.
 *
 * Canonical JSON of an event (RFC 8785 "JCS" for the values an event holds):
 * - an object with the event's fields, `instanceId` and `seq` included, `previousHash` and `hash` not;
 * - a field that is absent (undefined or null) is left out; so is a number that is not finite (the
 *   stores cannot hold NaN or ±Infinity alike);
 * - keys sorted by UTF-16 code units, at every level (`matchedStatements` entries too); arrays keep
 *   their order;
 * - no whitespace; strings as ECMAScript JSON.stringify writes them (after replacing lone surrogates
 *   with U+FFFD, as the stores do); numbers in ECMAScript's shortest round-trip form (`12.5`, `0`
 *   for -0, `1e+21`); booleans `true`/`false`;
 * - `time` as ISO-8601 UTC with milliseconds (`2025-05-01T12:00:00.000Z`).
 */

/** The previous hash of an instance's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where an event sits in its instance's chain. */
export interface AuditChainLink {
  instanceId: string;
  /** 1, 2, 3, … per instance, with no gaps. */
  seq: number;
  /** The hash of the instance's previous event (GENESIS_HASH for the first). */
  previousHash: string;
  /** sha256(previousHash ‖ canonicalJson(event)), 64 lowercase hex digits. */
  hash: string;
}

/** The last event written to a chain (or the retention checkpoint it continues from). */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

/** What remains of a chain's pruned beginning: its last pruned event (DESIGN §10, retention). */
export interface AuditChainCheckpoint {
  instanceId: string;
  seq: number;
  hash: string;
  /** When the prune that recorded it ran. */
  prunedAt: Date;
}

/** An event with its place in a chain, as read back from the store. */
export type ChainedAuditEvent = AuditEvent & { chain: AuditChainLink };

/** The generic canonical JSON of a JSON-like value (see the header); `undefined` for values left out. */
export function canonicalJson(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return jsonString(value);
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? JSON.stringify(value) : undefined;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (value instanceof Date) {
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort(compareCodeUnits)) {
      const text = canonicalJson((value as Record<string, unknown>)[key]);
      if (text !== undefined) {
        parts.push(`${jsonString(key)}:${text}`);
      }
    }
    return `{${parts.join(',')}}`;
  }
  // null, undefined (absent) and what JSON cannot hold.
  return undefined;
}

/** Lone surrogates → U+FFFD (`String.prototype.toWellFormed`, Node 20; not yet in TypeScript's lib). */
function wellFormed(value: string): string {
  const s = value as string & { isWellFormed(): boolean; toWellFormed(): string };
  return s.isWellFormed() ? value : s.toWellFormed();
}

/** Printable ASCII without `"` and `\`: JSON.stringify would write it unchanged between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The canonical JSON string: JSON.stringify's escaping of the well-formed string. */
function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(wellFormed(value));
}

/** A matched statement of the usual shape, written without sorting its keys; other shapes: undefined. */
function statementJson(s: unknown): string | undefined {
  if (typeof s !== 'object' || s === null) {
    return undefined;
  }
  const { effect, policy, sid, statement } = s as Record<string, unknown>;
  const keys = Object.keys(s).length;
  if (
    typeof effect !== 'string' ||
    typeof policy !== 'string' ||
    typeof statement !== 'number' ||
    !Number.isFinite(statement) ||
    (sid !== undefined && typeof sid !== 'string') ||
    keys !== ('sid' in s ? 4 : 3)
  ) {
    return undefined;
  }
  const sidPart = sid === undefined ? '' : `,"sid":${jsonString(sid)}`;
  return `{"effect":${jsonString(effect)},"policy":${jsonString(policy)}${sidPart},"statement":${JSON.stringify(statement)}}`;
}

function statementsJson(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return canonicalJson(value);
  }
  const parts: string[] = [];
  for (const item of value) {
    const text = statementJson(item);
    if (text === undefined) {
      return canonicalJson(value);
    }
    parts.push(text);
  }
  return `[${parts.join(',')}]`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical JSON of an event at its place in a chain: the same text as `canonicalJson` of the
 * event's fields plus `instanceId` and `seq`, built in one pass over the statically sorted keys (this
 * runs for every event written).
 */
export function canonicalAuditEventJson(event: AuditEvent, instanceId: string, seq: number): string {
  // Unrolled, keys in sorted order; each `str`/`num` part is `,"key":value` or '' when absent.
  const out =
    `{"action":${jsonString(event.action)}` +
    str('bucket', event.bucket) +
    str('clientRequestId', event.clientRequestId) +
    str('decision', event.decision) +
    `,"dryRun":${event.dryRun ? 'true' : 'false'}` +
    `,"id":${jsonString(event.id)}` +
    `,"instanceId":${jsonString(instanceId)}` +
    str('keyId', event.keyId) +
    `,"kind":${jsonString(event.kind)}` +
    num('latencyMs', event.latencyMs) +
    statements(event.matchedStatements) +
    str('operation', event.operation) +
    str('ossErrorCode', event.ossErrorCode) +
    str('ossRequestId', event.ossRequestId) +
    num('outcomeStatus', event.outcomeStatus) +
    str('principal', event.principal) +
    num('repeats', event.repeats) +
    `,"requestId":${jsonString(event.requestId)}` +
    `,"resource":${jsonString(event.resource)}` +
    num('seq', seq) +
    str('sourceIp', event.sourceIp) +
    `,"time":"${event.time.toISOString()}"` +
    `,"transport":${jsonString(event.transport)}` +
    str('userAgent', event.userAgent);
  return `${out}}`;
}

function str(key: string, value: string | null | undefined): string {
  return typeof value === 'string' ? `,"${key}":${jsonString(value)}` : '';
}

function num(key: string, value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `,"${key}":${JSON.stringify(value)}` : '';
}

function statements(value: unknown): string {
  const text = value === undefined || value === null ? undefined : statementsJson(value);
  return text === undefined ? '' : `,"matchedStatements":${text}`;
}

/** hex(sha256(previousHash ‖ canonical)), UTF-8 (the previous hash is ASCII hex). */
export function chainHash(previousHash: string, canonical: string): string {
  return oneShotHash('sha256', previousHash + canonical, 'hex');
}

/** The link of `event` after `head` in `instanceId`'s chain. */
export function linkAuditEvent(event: AuditEvent, instanceId: string, head: AuditChainHead): AuditChainLink {
  const seq = head.seq + 1;
  return {
    instanceId,
    seq,
    previousHash: head.hash,
    hash: chainHash(head.hash, canonicalAuditEventJson(event, instanceId, seq)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Verification

export type AuditChainFailureReason = 'hash-mismatch' | 'missing-seq' | 'broken-link' | 'head-mismatch';

/** The first event of a chain that does not match, and why. */
export interface AuditChainFailure {
  reason: AuditChainFailureReason;
  instanceId: string;
  /** The sequence number where the chain breaks (for `missing-seq`: the first missing one). */
  seq: number;
  /** The stored event that does not match; absent when the chain's end is missing (`head-mismatch`). */
  eventId?: string;
  /** The hash the chain expected there, and the one stored. */
  expectedHash?: string;
  storedHash?: string;
  detail: string;
}

export interface AuditChainReport {
  instanceId: string;
  /** Events of the chain that were checked (those after its checkpoint). */
  events: number;
  firstSeq?: number;
  lastSeq?: number;
  /** The hash of the last event checked: record it elsewhere to detect a later truncation. */
  headHash?: string;
  checkpoint?: AuditChainCheckpoint;
  failure?: AuditChainFailure;
}

export interface AuditVerificationReport {
  valid: boolean;
  verifiedAt: Date;
  eventsVerified: number;
  /** Events stored without a chain (written before the chain existed): not verifiable, counted only. */
  unchainedEvents: number;
  chains: AuditChainReport[];
  /** The first failure, chains taken in instance-id order. */
  firstFailure: AuditChainFailure | null;
}

/** A position in the (instanceId, seq) order of chained events: strictly after it. */
export interface AuditChainPosition {
  instanceId: string;
  seq: number;
}

/** What verification reads: the store's side. */
export interface AuditChainSource {
  chainCheckpoints(): Promise<AuditChainCheckpoint[]>;
  /** Chained events in (instanceId, seq) order, strictly after `after`, at most `limit`. */
  chainedEvents(limit: number, after?: AuditChainPosition): Promise<ChainedAuditEvent[]>;
  unchainedEventCount(): Promise<number>;
}

export interface VerifyAuditChainsOptions {
  /** Events read per query (default 2,000). */
  pageSize?: number;
  /**
   * The head the verifying instance knows it wrote: its chain must still reach it with that hash, so
   * deleting the newest events (which no later event links to) is found too.
   */
  knownHead?: { instanceId: string; seq: number; hash: string };
  now?: () => Date;
  /**
   * A time window (DESIGN §2 `from`/`to`): only events with `from ≤ time ≤ to` are checked. Each
   * chain's first event in the window is its anchor (its link to the events before the window is
   * taken as stored); the head check needs the chain's end, so it runs only without `to`.
   */
  from?: Date;
  to?: Date;
  /** Internal: the second pass after a prune that ran during the first. */
  isRetry?: boolean;
}

/** One chain's walk: feed its events in seq order, then finish. */
class ChainWalk {
  readonly report: AuditChainReport;
  private expectedSeq: number;
  private expectedPrevious: string;

  private anchored: boolean;

  constructor(
    instanceId: string,
    checkpoint: AuditChainCheckpoint | undefined,
    private readonly knownHead: AuditChainHead | undefined,
    private readonly window: { from?: Date; to?: Date } = {},
  ) {
    this.report = { instanceId, events: 0, ...(checkpoint ? { checkpoint } : {}) };
    this.expectedSeq = (checkpoint?.seq ?? 0) + 1;
    this.expectedPrevious = checkpoint?.hash ?? GENESIS_HASH;
    this.anchored = window.from === undefined;
  }

  get failed(): boolean {
    return this.report.failure !== undefined;
  }

  /** Checks the next stored event; records the first failure. */
  accept(event: ChainedAuditEvent): void {
    const { chain } = event;
    if (this.failed || chain.seq < this.expectedSeq) {
      // Already broken, or at or before the checkpoint (a prune that was interrupted left it).
      return;
    }
    const { from, to } = this.window;
    if ((from !== undefined && event.time < from) || (to !== undefined && event.time >= to)) {
      return;
    }
    if (!this.anchored) {
      // The first event in the window: the chain is checked from here on.
      this.anchored = true;
      this.expectedSeq = chain.seq;
      this.expectedPrevious = chain.previousHash;
    }
    const fail = (failure: Omit<AuditChainFailure, 'instanceId' | 'eventId'>): void => {
      this.report.failure = { instanceId: chain.instanceId, eventId: event.id, ...failure };
    };
    const recomputed = chainHash(
      chain.previousHash,
      canonicalAuditEventJson(event, chain.instanceId, chain.seq),
    );
    if (recomputed !== chain.hash) {
      fail({
        reason: 'hash-mismatch',
        seq: chain.seq,
        expectedHash: recomputed,
        storedHash: chain.hash,
        detail: `event ${event.id} (seq ${chain.seq}) was changed after it was written: its content no longer hashes to its stored hash`,
      });
      return;
    }
    if (chain.seq > this.expectedSeq) {
      const missing =
        chain.seq - 1 === this.expectedSeq
          ? `seq ${this.expectedSeq} is`
          : `seqs ${this.expectedSeq} to ${chain.seq - 1} are`;
      fail({
        reason: 'missing-seq',
        seq: this.expectedSeq,
        detail: `${missing} missing before event ${event.id} (seq ${chain.seq}): deleted`,
      });
      return;
    }
    if (chain.previousHash !== this.expectedPrevious) {
      fail({
        reason: 'broken-link',
        seq: chain.seq,
        expectedHash: this.expectedPrevious,
        storedHash: chain.previousHash,
        detail: `event ${event.id} (seq ${chain.seq}) does not link to the event before it: that event (or this one) was replaced or rewritten`,
      });
      return;
    }
    if (this.knownHead && chain.seq === this.knownHead.seq && chain.hash !== this.knownHead.hash) {
      fail({
        reason: 'head-mismatch',
        seq: chain.seq,
        expectedHash: this.knownHead.hash,
        storedHash: chain.hash,
        detail: `event ${event.id} (seq ${chain.seq}) is not the event this instance wrote there`,
      });
      return;
    }
    this.report.events += 1;
    this.report.firstSeq ??= chain.seq;
    this.report.lastSeq = chain.seq;
    this.report.headHash = chain.hash;
    this.expectedSeq = chain.seq + 1;
    this.expectedPrevious = chain.hash;
  }

  finish(): void {
    const head = this.knownHead;
    // The head check needs the chain's end in the window: no `to`, and (with `from`) an event in it.
    if (
      this.failed ||
      !head ||
      head.seq < this.expectedSeq ||
      this.window.to !== undefined ||
      !this.anchored
    ) {
      return;
    }
    const lastSeq = this.expectedSeq - 1;
    this.report.failure = {
      reason: 'head-mismatch',
      instanceId: this.report.instanceId,
      seq: this.expectedSeq,
      expectedHash: head.hash,
      detail: `the chain ends at seq ${lastSeq} but this instance wrote up to seq ${head.seq}: its newest events were deleted`,
    };
  }
}

/**
 * Recomputes every chain the source holds and names the first event of each that does not match.
 * Reads page by page (memory stays flat at any size); a chain that fails is not read further.
 */
export async function verifyAuditChains(
  source: AuditChainSource,
  options: VerifyAuditChainsOptions = {},
): Promise<AuditVerificationReport> {
  const pageSize = options.pageSize ?? 2_000;
  const verifiedAt = (options.now ?? (() => new Date()))();
  const checkpoints = new Map<string, AuditChainCheckpoint>();
  for (const checkpoint of await source.chainCheckpoints()) {
    const known = checkpoints.get(checkpoint.instanceId);
    if (!known || checkpoint.seq > known.seq) {
      checkpoints.set(checkpoint.instanceId, checkpoint);
    }
  }
  const known = options.knownHead;
  const walks = new Map<string, ChainWalk>();
  const walkOf = (instanceId: string): ChainWalk => {
    let walk = walks.get(instanceId);
    if (!walk) {
      walk = new ChainWalk(
        instanceId,
        checkpoints.get(instanceId),
        known && known.instanceId === instanceId ? known : undefined,
        { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) },
      );
      walks.set(instanceId, walk);
    }
    return walk;
  };
  let after: AuditChainPosition | undefined;
  for (;;) {
    const page = await source.chainedEvents(pageSize, after);
    for (const event of page) {
      walkOf(event.chain.instanceId).accept(event);
    }
    const last = page[page.length - 1];
    if (page.length < pageSize || !last) {
      break;
    }
    const walk = walkOf(last.chain.instanceId);
    // A failed chain is not read further: continue with the next instance's events.
    after = walk.failed
      ? { instanceId: last.chain.instanceId, seq: Number.MAX_SAFE_INTEGER }
      : { instanceId: last.chain.instanceId, seq: last.chain.seq };
  }
  // Chains whose events are all pruned (only a checkpoint left), and the verifying instance's own.
  for (const instanceId of checkpoints.keys()) {
    walkOf(instanceId);
  }
  if (known && known.seq > 0) {
    walkOf(known.instanceId);
  }
  const chains = [...walks.values()]
    .map((walk) => {
      walk.finish();
      return walk.report;
    })
    .sort((a, b) => compareCodeUnits(a.instanceId, b.instanceId));
  const firstFailure = chains.find((c) => c.failure)?.failure ?? null;
  if (chains.some((c) => c.failure?.reason === 'missing-seq') && !options.isRetry) {
    // A prune that ran meanwhile removes events after the checkpoints read at the start: if it
    // recorded newer checkpoints, verify again from them once.
    const now = await source.chainCheckpoints();
    if (now.some((c) => c.seq > (checkpoints.get(c.instanceId)?.seq ?? 0))) {
      return verifyAuditChains(source, { ...options, isRetry: true });
    }
  }
  return {
    valid: firstFailure === null,
    verifiedAt,
    eventsVerified: chains.reduce((n, c) => n + c.events, 0),
    unchainedEvents: await source.unchainedEventCount(),
    chains,
    firstFailure,
  };
}
