import { describe, expect, it } from 'vitest';
import { OssClientError } from './errors.js';
import { normalizeRegion, regionToLocation, toLocation, toRegionId } from './region.js';

describe('region spellings', () => {
  it('reads a region id from either spelling and keeps what is neither', () => {
    expect(toRegionId('oss-cn-hangzhou')).toBe('cn-hangzhou');
    expect(toRegionId('cn-hangzhou')).toBe('cn-hangzhou');
    expect(toRegionId('*')).toBe('*');
  });

  it('writes the location form from either spelling', () => {
    expect(toLocation('cn-beijing')).toBe('oss-cn-beijing');
    expect(toLocation('oss-cn-beijing')).toBe('oss-cn-beijing');
  });

  it('checks a region id when it normalises one', () => {
    expect(normalizeRegion(' OSS-CN-Shanghai ')).toBe('cn-shanghai');
    expect(regionToLocation('oss-us-west-1')).toBe('oss-us-west-1');
    expect(() => normalizeRegion('*')).toThrow(OssClientError);
  });
});
