/**
 * Overlapping prefixes: two prefixes overlap when one starts with the other (`source` and
 * `source/video`), so some keys match both. Pure functions for pre-flight.
 */

/** Two prefixes of one rule that overlap; indices are positions in the rule's `prefixes`. */
export interface PrefixOverlap {
  index: number;
  prefix: string;
  otherIndex: number;
  otherPrefix: string;
}

/** A prefix of a new rule that overlaps what an existing rule replicates. */
export interface RulePrefixOverlap {
  /** Position in the new rule's `prefixes`; -1 when the new rule has no prefixes (whole bucket). */
  index: number;
  /** `''` stands for the whole bucket (a rule without prefixes). */
  prefix: string;
  ruleId: string;
  /** `''` stands for the whole bucket (the existing rule has no prefixes). */
  otherPrefix: string;
}

/** True when one prefix starts with the other and they differ (identical entries are duplicates, not overlaps). */
export function prefixesOverlap(a: string, b: string): boolean {
  return a !== b && (a.startsWith(b) || b.startsWith(a));
}

/**
 * Every pair of overlapping prefixes within one rule, each pair once (`index < otherIndex`), in order.
 * OSS refuses such a rule (PutBucketReplication, EC `0031-00000019`).
 */
export function findOverlappingPrefixes(prefixes: readonly string[]): PrefixOverlap[] {
  const overlaps: PrefixOverlap[] = [];
  for (let i = 0; i < prefixes.length; i += 1) {
    for (let j = i + 1; j < prefixes.length; j += 1) {
      if (prefixesOverlap(prefixes[i], prefixes[j])) {
        overlaps.push({ index: i, prefix: prefixes[i], otherIndex: j, otherPrefix: prefixes[j] });
      }
    }
  }
  return overlaps;
}

/**
 * Where a new rule's prefixes overlap those of existing rules of the same bucket (a rule without
 * prefixes covers the whole bucket and overlaps every rule). Identical prefixes count here: the
 * same keys go to two destinations. OSS documents no refusal for this (a bucket may replicate the
 * same keys to several destinations): it is information, not a reason OSS would fail the create.
 */
export function findOverlapsWithRules(
  prefixes: readonly string[],
  rules: ReadonlyArray<{ id: string; prefixes: readonly string[] }>,
): RulePrefixOverlap[] {
  const mine = prefixes.length > 0 ? prefixes.map((p, i) => ({ p, i })) : [{ p: '', i: -1 }];
  const overlaps: RulePrefixOverlap[] = [];
  for (const rule of rules) {
    const theirs = rule.prefixes.length > 0 ? rule.prefixes : [''];
    for (const { p, i } of mine) {
      for (const other of theirs) {
        if (p.startsWith(other) || other.startsWith(p)) {
          overlaps.push({ index: i, prefix: p, ruleId: rule.id, otherPrefix: other });
        }
      }
    }
  }
  return overlaps;
}
