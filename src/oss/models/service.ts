/**
 * OSS service-level wire model (ListBuckets, a.k.a. GetService): what `OssClient` takes and returns,
 * already converted from the XML's strings.
 */
import type { OssResultMeta } from './replication.js';

export interface ListBucketsInput {
  /** Only buckets whose name starts with this. */
  prefix?: string;
  /** Only buckets whose name sorts after this (the previous page's `nextMarker`). */
  marker?: string;
  /** 1..1000; OSS's default is 100. */
  maxKeys?: number;
}

/** One bucket as ListBuckets reports it. */
export interface ListedBucketWire {
  name: string;
  /** `oss-cn-hangzhou` form. */
  location: string;
  /** `cn-hangzhou` form, when OSS sends it. */
  region?: string;
  creationDate?: Date;
  storageClass?: string;
  extranetEndpoint?: string;
  intranetEndpoint?: string;
}

export interface ListBucketsOutput extends OssResultMeta {
  buckets: ListedBucketWire[];
  /** True when more buckets follow: ask again with `marker: nextMarker`. */
  isTruncated: boolean;
  nextMarker?: string;
  owner?: { id: string; displayName?: string };
}
