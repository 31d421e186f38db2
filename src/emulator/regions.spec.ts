import { describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS, RegionCatalog } from './regions.js';

describe(RegionCatalog.name, () => {
  const catalog = new RegionCatalog(DEFAULT_REGIONS);

  it('requires oss_acc (only) across the mainland border, offers both for other CRR and internal for SRR', () => {
    expect(catalog.transferTypes('cn-hangzhou', 'cn-hongkong')).toEqual(['oss_acc']);
    expect(catalog.transferTypes('ap-southeast-1', 'cn-beijing')).toEqual(['oss_acc']);
    expect(catalog.transferTypes('cn-hangzhou', 'cn-beijing')).toEqual(['internal', 'oss_acc']);
    expect(catalog.transferTypes('cn-hongkong', 'ap-southeast-1')).toEqual(['internal', 'oss_acc']);
    expect(catalog.transferTypes('cn-hangzhou', 'cn-hangzhou')).toEqual(['internal']);
    expect(catalog.transferTypes('cn-hangzhou', 'mars-1')).toEqual([]);
  });

  it('supports RTC between mainland RTC regions and us-west-1/us-east-1 only', () => {
    expect(catalog.rtcSupported('cn-hangzhou', 'cn-shanghai')).toBe(true);
    expect(catalog.rtcSupported('us-west-1', 'us-east-1')).toBe(true);
    expect(catalog.rtcSupported('cn-hangzhou', 'cn-hangzhou')).toBe(false);
    expect(catalog.rtcSupported('cn-hangzhou', 'cn-hongkong')).toBe(false);
    expect(catalog.rtcSupported('cn-hangzhou', 'us-west-1')).toBe(false);
  });

  it('lists every other region as a destination', () => {
    const dests = catalog.destinations('cn-hongkong');
    expect(dests.map((d) => d.location)).not.toContain('oss-cn-hongkong');
    expect(dests).toContainEqual({
      location: 'oss-cn-hangzhou',
      transferTypes: ['oss_acc'],
      rtcSupported: false,
    });
    expect(dests).toHaveLength(DEFAULT_REGIONS.length - 1);
  });
});
