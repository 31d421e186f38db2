import { OssClientError } from './errors.js';

/*
 * A region has two spellings in OSS: the region id (`cn-hangzhou`) of V4 scopes, endpoints' names
 * and ARNs, and the location (`oss-cn-hangzhou`) of bucket locations and rule destinations. This is
 * the one place that converts between them.
 */

const REGION_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** `oss-cn-beijing`: a location as rules and GetBucketReplicationLocation spell it. */
export const LOCATION_PATTERN = /^oss-[a-z0-9-]+$/;

/** `oss-cn-hangzhou` or `cn-hangzhou` → `cn-hangzhou`; anything else (`*`) is kept as it is. */
export function toRegionId(region: string): string {
  return region.startsWith('oss-') ? region.slice('oss-'.length) : region;
}

/** `cn-beijing` or `oss-cn-beijing` → `oss-cn-beijing`. */
export function toLocation(region: string): string {
  return region.startsWith('oss-') ? region : `oss-${region}`;
}

/** {@link toRegionId} of a trimmed, lower-cased value, which must then be a region id (else `InvalidArgument`). */
export function normalizeRegion(region: string): string {
  const id = toRegionId(region.trim().toLowerCase());
  if (!REGION_ID.test(id)) {
    throw new OssClientError('InvalidArgument', `Invalid region: ${JSON.stringify(region.slice(0, 80))}`);
  }
  return id;
}

/** `cn-hangzhou` → `oss-cn-hangzhou`, checked as {@link normalizeRegion} checks it. */
export function regionToLocation(region: string): string {
  return toLocation(normalizeRegion(region));
}
