/**
 * Prefix overlap between replication rules (OSS refuses a new rule whose prefixes overlap an
 * existing rule's, EC 0031-00000019: `source` and `source/video`). Pure.
 *
 * Two prefixes overlap when one starts with the other (equal prefixes too): some object key would
 * match both. A rule without prefixes (the whole bucket) is not compared: OSS's rule for it is not
 * documented, and a false finding would block a create OSS accepts.
 */
export function overlappingPrefix(
  wanted: readonly string[],
  existing: readonly string[],
): { wanted: string; existing: string } | undefined {
  for (const a of wanted) {
    for (const b of existing) {
      if (a.startsWith(b) || b.startsWith(a)) {
        return { wanted: a, existing: b };
      }
    }
  }
  return undefined;
}
