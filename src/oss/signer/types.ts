/** Long-term AccessKey pair, or an STS triple when `securityToken` is set. */
export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** One decoded query parameter. `null` = bare key (`?replication`), `''` = `key=`. */
export type QueryPair = [key: string, value: string | null];

/** What a signer needs to know about a request; independent of virtual-hosted vs path addressing. */
export interface SignableRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Bucket for the canonical URI / resource. */
  bucket?: string;
  /** Decoded object key. */
  key?: string;
  /** Decoded query parameters in wire order. Presigning appends to this array. */
  query: QueryPair[];
  /**
   * Request headers (any case). Header signing mutates this: it sets `x-oss-date`,
   * `x-oss-content-sha256`, `Date`, `x-oss-security-token` and `Authorization`.
   */
  headers: Record<string, string>;
}

export interface SignOptions {
  credentials: OssCredentials;
  /** Region id (`cn-hangzhou`); an `oss-` prefix is stripped by the V4 signer. */
  region: string;
  /** V4 product in the scope; default `oss`. */
  product?: string;
  /** Signing time (already corrected for clock skew by the caller). */
  now: Date;
  /** V4 only: extra header names to sign (`AdditionalHeaders`). */
  additionalHeaders?: string[];
  /** V1 only: sub-resource keys the operation declares as signed on top of the standard list. */
  subResources?: string[];
}
