import { ossError } from '../errors.js';
import type { RegionCatalog } from '../regions.js';
import { toLocation } from '../regions.js';
import type { ReplicationEngine } from '../replication/replication-engine.js';
import type { BucketState, EmulatorStore } from '../store/emulator-store.js';
import { buildXml, el, type XmlNode } from '../xml.js';
import type { QueryMap } from './routing.js';

/** The account that owns every emulator bucket. */
export const EMULATOR_OWNER_ID = '1234567890123456';

export interface OperationContext {
  store: EmulatorStore;
  engine: ReplicationEngine;
  regions: RegionCatalog;
  clock: () => Date;
  method: string;
  bucketName?: string;
  key?: string;
  query: QueryMap;
  headers: Record<string, string>;
  body: Buffer;
  /** The account of the key that signed the request (EMULATOR_OWNER_ID by default). */
  owner?: string;
  /** Region for requests that create something: host, else V4 scope, else default. */
  region: string;
  /** The host named a region that is not configured. */
  unknownHostRegion?: string;
}

export interface OperationResult {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** What every family of operations exports: the handlers of the operations it serves. */
export type OperationHandler = (ctx: OperationContext) => OperationResult;

const XML_HEADERS = { 'content-type': 'application/xml' };

export function xml(node: XmlNode, status = 200, headers: Record<string, string> = {}): OperationResult {
  return { status, headers: { ...XML_HEADERS, ...headers }, body: buildXml(node) };
}

export function requireBucket(ctx: OperationContext): BucketState {
  const bucket = ctx.store.getBucket(ctx.bucketName!);
  if (!bucket) {
    throw ossError('NoSuchBucket', { BucketName: ctx.bucketName! });
  }
  return bucket;
}

export function endpoint(region: string, internal = false): string {
  return `${toLocation(region)}${internal ? '-internal' : ''}.aliyuncs.com`;
}

export function queryInt(
  ctx: OperationContext,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = ctx.query.get(name);
  if (raw === undefined || raw === null || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: raw },
      `${name} must be an integer between ${min} and ${max}.`,
    );
  }
  return Number(raw);
}

export function queryStr(ctx: OperationContext, name: string): string {
  return ctx.query.get(name) ?? '';
}

export function owner(id: string = EMULATOR_OWNER_ID): XmlNode {
  return el('Owner', [el('ID', id), el('DisplayName', id)]);
}
