/**
 * The regions an emulator serves and the replication-location matrix between them.
 *
 * Matrix (our model of the OSS rules in reference §2.4, §2.7 and §10):
 * - every other configured region is a CRR destination; the same region is allowed too (SRR) but
 *   is not listed by GetBucketReplicationLocation, which lists CRR partners;
 * - `oss_acc` (transfer acceleration) is a CRR option: between the Chinese mainland and outside it
 *   it is required and the only transfer type (`internal` is refused); between any other two
 *   different regions both `internal` and `oss_acc` are allowed (the PutBucketReplication sample
 *   replicates hangzhou → beijing with `oss_acc`); SRR (same region) is `internal` only;
 * - RTC can be enabled between two different regions that share an `rtcGroup`.
 */
export interface RegionSpec {
  /** Region ID, e.g. `cn-hangzhou` (the OSS location is `oss-` + id). */
  id: string;
  /** Inside the Chinese mainland. */
  mainland: boolean;
  /** Regions with the same group can enable RTC between each other (CRR only). */
  rtcGroup?: string;
}

export type TransferType = 'internal' | 'oss_acc';

export const DEFAULT_REGIONS: readonly RegionSpec[] = [
  { id: 'cn-hangzhou', mainland: true, rtcGroup: 'cn-mainland' },
  { id: 'cn-shanghai', mainland: true, rtcGroup: 'cn-mainland' },
  { id: 'cn-beijing', mainland: true, rtcGroup: 'cn-mainland' },
  { id: 'cn-shenzhen', mainland: true, rtcGroup: 'cn-mainland' },
  { id: 'cn-hongkong', mainland: false },
  { id: 'ap-southeast-1', mainland: false },
  { id: 'us-west-1', mainland: false, rtcGroup: 'us' },
  { id: 'us-east-1', mainland: false, rtcGroup: 'us' },
];

/** Known mainland region ids, used to classify regions named in EMULATOR_REGIONS. */
const MAINLAND_IDS = new Set([
  'cn-hangzhou',
  'cn-shanghai',
  'cn-qingdao',
  'cn-beijing',
  'cn-zhangjiakou',
  'cn-huhehaote',
  'cn-wulanchabu',
  'cn-shenzhen',
  'cn-heyuan',
  'cn-guangzhou',
  'cn-chengdu',
  'cn-nanjing',
  'cn-fuzhou',
  'cn-wuhan-lr',
]);
const RTC_GROUPS: Record<string, string> = {
  'cn-hangzhou': 'cn-mainland',
  'cn-shanghai': 'cn-mainland',
  'cn-qingdao': 'cn-mainland',
  'cn-beijing': 'cn-mainland',
  'cn-zhangjiakou': 'cn-mainland',
  'cn-shenzhen': 'cn-mainland',
  'us-west-1': 'us',
  'us-east-1': 'us',
};

/** A region spec for a bare id, classified with OSS's published facts. */
export function regionSpecFor(id: string): RegionSpec {
  const group = RTC_GROUPS[id];
  return group === undefined
    ? { id, mainland: MAINLAND_IDS.has(id) }
    : { id, mainland: MAINLAND_IDS.has(id), rtcGroup: group };
}

export const REGION_ID_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export function toLocation(regionId: string): string {
  return `oss-${regionId}`;
}

/** `oss-cn-hangzhou` → `cn-hangzhou`; undefined when the value is not in `oss-` form. */
export function fromLocation(location: string): string | undefined {
  return location.startsWith('oss-') ? location.slice(4) : undefined;
}

export interface ReplicationDestination {
  location: string;
  transferTypes: TransferType[];
  rtcSupported: boolean;
}

export class RegionCatalog {
  private readonly byId = new Map<string, RegionSpec>();

  constructor(readonly regions: readonly RegionSpec[]) {
    for (const r of regions) {
      this.byId.set(r.id, r);
    }
  }

  get(id: string): RegionSpec | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Transfer types allowed from one region to another (SRR: internal only; cross-border: oss_acc only). */
  transferTypes(from: string, to: string): TransferType[] {
    const a = this.byId.get(from);
    const b = this.byId.get(to);
    if (!a || !b) {
      return [];
    }
    if (a.id === b.id) {
      return ['internal'];
    }
    return a.mainland !== b.mainland ? ['oss_acc'] : ['internal', 'oss_acc'];
  }

  rtcSupported(from: string, to: string): boolean {
    const a = this.byId.get(from);
    const b = this.byId.get(to);
    return !!a && !!b && a.id !== b.id && a.rtcGroup !== undefined && a.rtcGroup === b.rtcGroup;
  }

  /** CRR destinations of a source region, in configuration order. */
  destinations(from: string): ReplicationDestination[] {
    return this.regions
      .filter((r) => r.id !== from)
      .map((r) => ({
        location: toLocation(r.id),
        transferTypes: this.transferTypes(from, r.id),
        rtcSupported: this.rtcSupported(from, r.id),
      }));
  }
}
