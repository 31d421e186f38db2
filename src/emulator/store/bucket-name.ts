// The bucket-name rule has one source: the OSS library's (the emulator may import from src/oss).
export { BUCKET_NAME_PATTERN, isValidBucketName } from '../../oss/limits.js';

/** Object keys: 1–1023 bytes of UTF-8, not starting with `/` or `\`. */
export function isValidObjectKey(key: string): boolean {
  const bytes = Buffer.byteLength(key, 'utf8');
  return bytes >= 1 && bytes <= 1023 && !key.startsWith('/') && !key.startsWith('\\');
}
