/** OSS bucket naming rule: 3–63 chars of lower-case letters, digits and `-`, starting and ending with a letter or digit. */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME_PATTERN.test(name);
}

/** Object keys: 1–1023 bytes of UTF-8, not starting with `/` or `\`. */
export function isValidObjectKey(key: string): boolean {
  const bytes = Buffer.byteLength(key, 'utf8');
  return bytes >= 1 && bytes <= 1023 && !key.startsWith('/') && !key.startsWith('\\');
}
