/**
 * OSS's documented limits for buckets and replication rules (reference §2.7 and §6). The one copy:
 * the client checks them before sending, and the gateway's validation and pre-flight import them.
 */

/** Bucket names: 3–63 characters of `a-z`, `0-9` and `-`, starting and ending with a letter or digit. */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidBucketName(bucket: string): boolean {
  return BUCKET_NAME_PATTERN.test(bucket);
}

/** Replication rules one bucket may have. */
export const MAX_RULES_PER_BUCKET = 100;
/** Prefixes one rule may name, and the length of each. */
export const MAX_PREFIXES = 10;
export const MAX_PREFIX_LENGTH = 1023;
/** Length of a rule id. */
export const MAX_RULE_ID_LENGTH = 255;
