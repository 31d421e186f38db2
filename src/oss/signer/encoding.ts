import { createHmac, hash } from 'node:crypto';

/** RFC 3986 percent-encoding: everything except `A-Za-z0-9-._~` (and `/` when `keepSlash`). */
export function uriEncode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/** One-shot (no Hash object): the canonical request is hashed on every signature. */
export function sha256Hex(data: string): string {
  return hash('sha256', data, 'hex');
}

export function hmacSha256(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function hmacSha1Base64(key: string, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('base64');
}

/** Plain code-unit comparison (byte order for ASCII), never locale-aware. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Case-insensitive header lookup. */
export function getHeader(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) {
      return headers[key];
    }
  }
  return undefined;
}

/** Removes every case variant of `name`. */
export function deleteHeader(headers: Record<string, string>, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) {
      delete headers[key];
    }
  }
}

/** Sets `name` (in the given spelling), replacing any case variant already present. */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  deleteHeader(headers, name);
  headers[name] = value;
}

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `yyyyMMdd'T'HHmmss'Z'` in UTC, as V4 `x-oss-date`. */
export function formatIso8601Basic(date: Date): string {
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  );
}

/** RFC 1123 GMT date, as the `Date` header (`Thu, 17 Apr 2025 15:39:12 GMT`). */
export function formatHttpDate(date: Date): string {
  return date.toUTCString();
}
