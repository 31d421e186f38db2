import { randomUUID } from 'node:crypto';
import { MAX_RULES_PER_BUCKET } from '../../oss/limits.js';
import { DOCUMENTED_EC, ossError } from '../errors.js';
import { fromLocation, type RegionCatalog, type TransferType } from '../regions.js';
import type { BucketState, EmulatorStore } from '../store/emulator-store.js';
import type { ReplicationTuning } from '../options.js';
import type { ControlOutcome, ReplicationControl, ReplicationControlTarget } from './replication-control.js';
import type { ProgressView, RuleInput } from './replication-xml.js';
import { ruleMatches, type ReplicationRuleState, type ReplicationTask } from './rule.js';

const DEFAULTS: Required<ReplicationTuning> = {
  objectsPerSecond: 50,
  tickMs: 100,
  startingMs: 1000,
  closingMs: 2000,
  rtcEnablingMs: 1000,
};

/** `2015-09-24T15:28:14.000Z`: second precision, rounded down (a watermark must not overstate). */
export function formatWatermark(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/** Fraction as OSS prints it (`0.85`), rounded down to two decimals. */
export function formatFraction(done: number, total: number): string {
  if (total <= 0) {
    return '1.00';
  }
  return (Math.floor((done / total) * 100) / 100).toFixed(2);
}

/** A control on one rule, with what it started from. */
interface ControlState {
  control: ReplicationControl;
  /** Emulator time the control was put on. */
  since: number;
  /** The rule's watermark at `since`. */
  from: number;
  /** Steps a slowed rule may still take (fractional). */
  credit: number;
}

/** How much a replication pass may do: `steps` over all rules, `grant` scaled per slowed rule. */
interface Budget {
  steps: number;
  /** The pass's allowance in objects, before any slow factor; undefined: rates do not apply. */
  grant?: number;
}

/**
 * Asynchronous replication between buckets of one emulator: rules, their state machine
 * (`starting → doing`, `closing → gone`, RTC `enabling → enabled`), historical and new-object
 * queues, and copying at a configurable rate.
 *
 * Writes made by replication are marked as replicas and never replicated further (no chaining).
 *
 * Time: the timer grants `objectsPerSecond` per second of real time (at most one second's worth at
 * once); a move of the emulator clock (`elapse`) grants the whole jump at once. Statuses, progress
 * and the new-object watermark are read on the emulator clock. A rule can be paused or slowed
 * (`setControl`, see replication-control.ts).
 */
export class ReplicationEngine implements ReplicationControlTarget {
  readonly tuning: Required<ReplicationTuning>;
  private timer: NodeJS.Timeout | undefined;
  private tokens = 0;
  private lastTickAt = 0;
  private cursor = 0;
  private readonly controls = new WeakMap<ReplicationRuleState, ControlState>();
  private readonly removedListeners: Array<(bucket: string, ruleId: string) => void> = [];

  constructor(
    private readonly store: EmulatorStore,
    private readonly regions: RegionCatalog,
    private readonly clock: () => Date,
    tuning: ReplicationTuning = {},
  ) {
    this.tuning = { ...DEFAULTS, ...tuning };
    if (!(this.tuning.objectsPerSecond > 0)) {
      throw new Error('replication.objectsPerSecond must be positive');
    }
  }

  start(): void {
    if (this.tuning.tickMs <= 0 || this.timer) {
      return;
    }
    this.lastTickAt = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const elapsed = now - this.lastTickAt;
      this.lastTickAt = now;
      this.run(elapsed, true);
    }, this.tuning.tickMs);
    this.timer.unref();
  }

  /**
   * The emulator clock jumped `ms` forward: applies due transitions and replicates what `ms` of
   * time allows at `objectsPerSecond` (the whole jump, not capped at one second). Returns the steps.
   */
  elapse(ms: number): number {
    return this.run(ms, false);
  }

  /** Grants `elapsedMs` worth of tokens (capped at one second's worth first when `capFirst`) and spends them. */
  private run(elapsedMs: number, capFirst: boolean): number {
    const grant = (this.tuning.objectsPerSecond * Math.max(0, elapsedMs)) / 1000;
    const cap = Math.max(1, this.tuning.objectsPerSecond);
    this.tokens = capFirst ? Math.min(this.tokens + grant, cap) : this.tokens + grant;
    const used = this.replicate({ steps: Math.floor(this.tokens), grant });
    // Tokens unspent because nothing was pending do not pile up into a burst later.
    this.tokens = Math.min(this.tokens - used, cap);
    return used;
  }

  /** Called with the bucket and id of each rule that disappears after `closing`. */
  onRuleRemoved(listener: (bucket: string, ruleId: string) => void): void {
    this.removedListeners.push(listener);
  }

  setControl(bucketName: string, ruleId: string, control: ReplicationControl | undefined): ControlOutcome {
    const bucket = this.store.getBucket(bucketName);
    if (!bucket) {
      return 'noSuchBucket';
    }
    const rule = bucket.rules.find((r) => r.id === ruleId);
    if (!rule) {
      return 'noSuchRule';
    }
    if (control === undefined) {
      this.controls.delete(rule);
    } else {
      // Starts from the watermark as it stands (under a previous control, if any).
      const from = this.watermark(rule);
      this.controls.set(rule, { control: { ...control }, since: this.now(), from, credit: 0 });
    }
    return 'applied';
  }

  /** The control on `rule`, if any. */
  controlOf(rule: ReplicationRuleState): ReplicationControl | undefined {
    const c = this.controls.get(rule);
    return c ? { ...c.control } : undefined;
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private now(): number {
    return this.clock().getTime();
  }

  /** Validates a rule against buckets and regions and adds it as `starting`. */
  addRule(source: BucketState, input: RuleInput): ReplicationRuleState {
    const destRegion = fromLocation(input.destination.location);
    if (destRegion === undefined) {
      throw ossError('InvalidTargetLocation');
    }
    if (!this.regions.has(destRegion)) {
      throw ossError('BadReplicationLocation');
    }
    if (destRegion !== source.region && this.regions.destinations(source.region).length === 0) {
      throw ossError('NoReplicationLocation');
    }
    const dest = this.store.getBucket(input.destination.bucket);
    if (input.destination.bucket === source.name || !dest) {
      throw ossError('InvalidTargetBucket', { BucketName: input.destination.bucket });
    }
    if (dest.region !== destRegion) {
      throw ossError('InvalidTargetLocation');
    }
    const allowed = this.regions.transferTypes(source.region, destRegion);
    let transferType: TransferType;
    if (input.destination.transferType === undefined) {
      if (!allowed.includes('internal')) {
        throw ossError(
          'MissingArgument',
          { ArgumentName: 'TransferType' },
          'Replication between these regions requires TransferType oss_acc.',
        );
      }
      transferType = 'internal';
    } else {
      const t = input.destination.transferType;
      if ((t !== 'internal' && t !== 'oss_acc') || !allowed.includes(t)) {
        throw ossError(
          'InvalidArgument',
          { ArgumentName: 'TransferType', ArgumentValue: t },
          `The transfer type is not supported for this location; supported: ${allowed.join(', ')}.`,
        );
      }
      transferType = t;
    }
    if (input.rtc === 'enabled' && !this.regions.rtcSupported(source.region, destRegion)) {
      throw ossError('ReplicationLocationNotSupportRtc');
    }
    if ((source.versioning ?? 'none') !== (dest.versioning ?? 'none')) {
      throw ossError(
        'InvalidRequest',
        {},
        'Different versioning status between the source bucket and the destination bucket.',
      );
    }
    if (source.rules.some((r) => r.destination.bucket === dest.name)) {
      throw ossError('BucketReplicationAlreadyExist');
    }
    if (input.id !== undefined && source.rules.some((r) => r.id === input.id)) {
      throw ossError(
        'InvalidArgument',
        { ArgumentName: 'ID', ArgumentValue: input.id },
        'A replication rule with this ID already exists.',
      );
    }
    if (source.rules.length >= MAX_RULES_PER_BUCKET) {
      throw ossError('TooManyOutgoingReplication');
    }
    if (this.incomingCount(dest.name) >= MAX_RULES_PER_BUCKET) {
      throw ossError('TooManyIncomingReplication');
    }

    const now = this.now();
    const rule: ReplicationRuleState = {
      id: input.id ?? randomUUID(),
      prefixes: input.prefixes,
      action: input.action,
      destination: { bucket: dest.name, location: input.destination.location, transferType },
      historicalObjectReplication: input.historicalObjectReplication,
      status: 'starting',
      createdAt: now,
      statusChangedAt: now,
      historicalTotal: 0,
      historicalDone: 0,
      historicalQueue: [],
      newQueue: [],
    };
    if (input.syncRole !== undefined) {
      rule.syncRole = input.syncRole;
    }
    if (input.sseKmsEncryptedObjects !== undefined) {
      rule.sseKmsEncryptedObjects = input.sseKmsEncryptedObjects;
    }
    if (input.replicaKmsKeyId !== undefined) {
      rule.replicaKmsKeyId = input.replicaKmsKeyId;
    }
    if (input.rtc !== undefined) {
      rule.rtc = input.rtc === 'enabled' ? 'enabling' : 'disabled';
      if (input.rtc === 'enabled') {
        rule.rtcRequestedAt = now;
      }
    }
    if (rule.historicalObjectReplication) {
      for (const key of this.store.sortedKeys(source)) {
        const obj = source.objects.get(key)!;
        if (!obj.replica && ruleMatches(rule, key)) {
          rule.historicalQueue.push({ op: 'put', key, at: obj.lastModified.getTime() });
        }
      }
      rule.historicalTotal = rule.historicalQueue.length;
    }
    source.rules.push(rule);
    this.store.changed();
    return rule;
  }

  private incomingCount(bucket: string): number {
    let n = 0;
    for (const b of this.store.listBuckets()) {
      n += b.rules.filter((r) => r.destination.bucket === bucket).length;
    }
    return n;
  }

  findRule(source: BucketState, id: string): ReplicationRuleState {
    if (source.rules.length === 0) {
      throw ossError('NoSuchReplicationConfiguration', { BucketName: source.name });
    }
    const rule = source.rules.find((r) => r.id === id);
    if (!rule) {
      throw ossError('NoSuchReplicationRule', { BucketName: source.name, RuleId: id });
    }
    return rule;
  }

  setRtc(source: BucketState, id: string, enabled: boolean): void {
    const rule = source.rules.find((r) => r.id === id);
    if (!rule) {
      // OSS documents its own EC for a PutBucketRTC whose ID matches no rule.
      throw ossError(
        'NoSuchReplicationRule',
        { BucketName: source.name, RuleId: id },
        undefined,
        DOCUMENTED_EC.rtcRuleNotFound,
      );
    }
    if (rule.status === 'closing') {
      throw ossError('BucketReplicationInClosingStatus');
    }
    const destRegion = fromLocation(rule.destination.location) ?? '';
    if (destRegion === source.region) {
      throw ossError('BucketReplicationNotSupportRtc');
    }
    if (enabled && !this.regions.rtcSupported(source.region, destRegion)) {
      throw ossError('ReplicationLocationNotSupportRtc');
    }
    if (!enabled) {
      rule.rtc = 'disabled';
      delete rule.rtcRequestedAt;
    } else if (rule.rtc !== 'enabled' && rule.rtc !== 'enabling') {
      rule.rtc = 'enabling';
      rule.rtcRequestedAt = this.now();
    }
    this.store.changed();
  }

  /** `closing` when the rule was active, `alreadyClosing` when it was closing, `noConfiguration` when the bucket has none. */
  deleteRule(source: BucketState, id: string): 'closing' | 'alreadyClosing' | 'noConfiguration' {
    if (source.rules.length === 0) {
      return 'noConfiguration';
    }
    const rule = this.findRule(source, id);
    if (rule.status === 'closing') {
      return 'alreadyClosing';
    }
    rule.status = 'closing';
    rule.statusChangedAt = this.now();
    rule.historicalQueue = [];
    rule.newQueue = [];
    this.store.changed();
    if (this.tuning.closingMs <= 0) {
      this.applyTransitions();
    }
    return 'closing';
  }

  /** Progress as OSS reports it; undefined unless the rule is `doing`. */
  progress(rule: ReplicationRuleState): ProgressView | undefined {
    if (rule.status !== 'doing') {
      return undefined;
    }
    const view: ProgressView = { newObject: formatWatermark(this.watermark(rule)) };
    if (rule.historicalObjectReplication) {
      view.historicalObject = formatFraction(rule.historicalDone, rule.historicalTotal);
    }
    return view;
  }

  /**
   * Writes before this time (ms) have been replicated: the oldest write not yet copied, else now;
   * a paused rule's stays where it was, a slowed rule's advances at its factor.
   */
  private watermark(rule: ReplicationRuleState): number {
    const now = this.now();
    const pending = rule.newQueue.length > 0 ? rule.newQueue[0].at : now;
    const c = this.controls.get(rule);
    if (!c) {
      return pending;
    }
    const reached =
      c.control.mode === 'pause' ? c.from : c.from + c.control.factor * Math.max(0, now - c.since);
    return Math.min(pending, reached);
  }

  /** A client (not replication) wrote `key` into `bucket`. */
  onObjectWritten(bucket: BucketState, key: string): void {
    this.enqueue(bucket, { op: 'put', key, at: this.now() });
  }

  /** A client (not replication) deleted `key` from `bucket`. */
  onObjectDeleted(bucket: BucketState, key: string): void {
    this.enqueue(bucket, { op: 'delete', key, at: this.now() });
  }

  private enqueue(bucket: BucketState, task: ReplicationTask): void {
    let changed = false;
    for (const rule of bucket.rules) {
      if (rule.status === 'closing' || !ruleMatches(rule, task.key)) {
        continue;
      }
      if (task.op === 'delete' && rule.action !== 'ALL') {
        continue;
      }
      rule.newQueue.push(task);
      changed = true;
    }
    if (changed) {
      this.store.changed();
    }
  }

  /** Applies due status transitions. */
  applyTransitions(): void {
    const now = this.now();
    let changed = false;
    for (const bucket of this.store.listBuckets()) {
      for (let i = bucket.rules.length - 1; i >= 0; i--) {
        const rule = bucket.rules[i];
        if (rule.status === 'starting' && now - rule.statusChangedAt >= this.tuning.startingMs) {
          rule.status = 'doing';
          rule.statusChangedAt = now;
          changed = true;
        } else if (rule.status === 'closing' && now - rule.statusChangedAt >= this.tuning.closingMs) {
          bucket.rules.splice(i, 1);
          this.controls.delete(rule);
          for (const listener of this.removedListeners) {
            listener(bucket.name, rule.id);
          }
          changed = true;
          continue;
        }
        if (
          rule.rtc === 'enabling' &&
          rule.status === 'doing' &&
          rule.historicalQueue.length === 0 &&
          now - (rule.rtcRequestedAt ?? now) >= this.tuning.rtcEnablingMs
        ) {
          rule.rtc = 'enabled';
          changed = true;
        }
      }
    }
    if (changed) {
      this.store.changed();
    }
  }

  /**
   * Applies transitions and performs up to `maxObjects` replication steps, round-robin over the
   * `doing` rules (new writes before historical objects within a rule). Returns the steps performed.
   * A paused rule takes no step; a slowed rule takes `factor × maxObjects` (fractions carry over to
   * the next tick). Without `maxObjects`, rates and slow factors do not apply (pauses still do).
   */
  tick(maxObjects = Number.POSITIVE_INFINITY): number {
    return this.replicate(
      Number.isFinite(maxObjects) ? { steps: maxObjects, grant: maxObjects } : { steps: maxObjects },
    );
  }

  /** Everything pending for `doing` rules that are not paused, regardless of rate. */
  flush(): number {
    return this.tick();
  }

  private replicate(budget: Budget): number {
    this.applyTransitions();
    const { grant } = budget;
    const active: Array<{ bucket: BucketState; rule: ReplicationRuleState; slow?: ControlState }> = [];
    const slowed: Array<{ state: ControlState; factor: number }> = [];
    for (const bucket of this.store.listBuckets()) {
      for (const rule of bucket.rules) {
        if (rule.status !== 'doing' || (rule.newQueue.length === 0 && rule.historicalQueue.length === 0)) {
          continue;
        }
        const c = this.controls.get(rule);
        if (c?.control.mode === 'pause') {
          continue;
        }
        if (c?.control.mode === 'slow' && grant !== undefined) {
          c.credit += c.control.factor * grant;
          slowed.push({ state: c, factor: c.control.factor });
          if (c.credit >= 1) {
            active.push({ bucket, rule, slow: c });
          }
          continue;
        }
        active.push({ bucket, rule });
      }
    }
    let done = 0;
    while (done < budget.steps && active.length > 0) {
      this.cursor = this.cursor % active.length;
      const { bucket, rule, slow } = active[this.cursor];
      if (rule.newQueue.length > 0) {
        this.perform(bucket, rule, rule.newQueue.shift()!);
      } else {
        this.perform(bucket, rule, rule.historicalQueue.shift()!);
        rule.historicalDone++;
      }
      done++;
      if (slow) {
        slow.credit -= 1;
      }
      if ((rule.newQueue.length === 0 && rule.historicalQueue.length === 0) || (slow && slow.credit < 1)) {
        active.splice(this.cursor, 1);
      } else {
        this.cursor++;
      }
    }
    // A slowed rule's unspent credit carries over, but never more than one pass's worth.
    for (const { state, factor } of slowed) {
      state.credit = Math.min(state.credit, Math.max(1, factor * (grant ?? 0)));
    }
    if (done > 0) {
      this.store.changed();
      this.applyTransitions();
    }
    return done;
  }

  private perform(source: BucketState, rule: ReplicationRuleState, task: ReplicationTask): void {
    const dest = this.store.getBucket(rule.destination.bucket);
    if (!dest) {
      return;
    }
    if (task.op === 'delete') {
      // Stale when the key was written again since: the later put task carries it over.
      if (!source.objects.has(task.key)) {
        this.store.deleteObject(dest, task.key);
      }
      return;
    }
    const obj = source.objects.get(task.key);
    if (!obj || obj.replica) {
      return;
    }
    this.store.putObject(dest, { ...obj, userMeta: { ...obj.userMeta }, replica: true });
  }
}
