import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHttpDate } from '../oss/signer/encoding.js';
import { resolveAddress, parseQuery } from './addressing.js';
import { KeyRing } from './auth/key-ring.js';
import { verifyRequest, type AuthenticatedCaller } from './auth/verify-signature.js';
import { errorXml, OssError, ossError } from './errors.js';
import { FaultInjector, FaultSpecError, parseFaultSpec } from './faults.js';
import {
  removeObject,
  routeOperation,
  runOperation,
  writeObject,
  type OperationName,
  type OperationResult,
} from './operations.js';
import { DEMO_ACCESS_KEY, type EmulatorAccessKey, type EmulatorOptions } from './options.js';
import { DEFAULT_REGIONS, RegionCatalog, type RegionSpec } from './regions.js';
import { ReplicationEngine } from './replication/replication-engine.js';
import type { ReplicationRuleState } from './replication/rule.js';
import { isValidBucketName } from './store/bucket-name.js';
import { EmulatorStore } from './store/emulator-store.js';

export type { EmulatorOptions, EmulatorAccessKey } from './options.js';
export type { RegionSpec } from './regions.js';

/** Largest request body the emulator accepts (objects are kept in memory). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;
export const FAULTS_PATH = '/__emulator/faults';

export interface ReplicationRuleView {
  id: string;
  status: ReplicationRuleState['status'];
  prefixes: string[];
  action: 'ALL' | 'PUT';
  destination: { bucket: string; location: string; transferType: string };
  historicalObjectReplication: boolean;
  rtc?: string;
  pendingObjects: number;
  historicalTotal: number;
  historicalDone: number;
}

export interface EmulatorAdmin {
  /** Creates a bucket directly (no signature). Throws OssError on an invalid or taken name or unknown region. */
  createBucket(name: string, region: string, opts?: { versioning?: boolean }): void;
  /** Writes an object as a client would (replication picks it up). */
  putObject(bucket: string, key: string, body: Buffer | string, contentType?: string): void;
  deleteObject(bucket: string, key: string): void;
  listObjects(bucket: string): Array<{ key: string; size: number; etag: string }>;
  getObject(bucket: string, key: string): Buffer | undefined;
  getRules(bucket: string): ReplicationRuleView[];
  /** Applies due rule transitions and performs up to `maxObjects` replication steps now. */
  tickReplication(maxObjects?: number): number;
  /** Applies due transitions and performs every pending replication step of `doing` rules. */
  flushReplication(): number;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  host: string;
  port: number;
  accessKeys: EmulatorAccessKey[];
  regions: RegionSpec[];
  defaultRegion: string;
  admin: EmulatorAdmin;
  faults?: FaultInjector;
  close(): Promise<void>;
}

function requestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return out;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkContentMd5(headers: Record<string, string>, body: Buffer): void {
  const provided = headers['content-md5'];
  if (provided === undefined) {
    return;
  }
  const expected = createHash('md5').update(body).digest('base64');
  if (provided.trim() !== expected) {
    throw ossError('InvalidDigest', { 'Content-MD5': provided.trim() });
  }
}

function sanitizeHost(host: string | undefined): string {
  return (host ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, 255);
}

/** Starts an OSS emulator on `host:port` (defaults 127.0.0.1 and a random port). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock = opts.clock ?? (() => new Date());
  const regionList = opts.regions ?? [...DEFAULT_REGIONS];
  if (regionList.length === 0) {
    throw new Error('the emulator needs at least one region');
  }
  const regions = new RegionCatalog(regionList);
  const defaultRegion = opts.defaultRegion ?? (regions.has('cn-hangzhou') ? 'cn-hangzhou' : regionList[0].id);
  if (!regions.has(defaultRegion)) {
    throw new Error(`default region ${defaultRegion} is not one of the configured regions`);
  }
  const accessKeys = opts.accessKeys && opts.accessKeys.length > 0 ? opts.accessKeys : [DEMO_ACCESS_KEY];
  const keyRing = new KeyRing(accessKeys);
  const skew = opts.clockSkewSeconds ?? 900;
  const store = new EmulatorStore(opts.dataDir);
  const engine = new ReplicationEngine(store, regions, clock, opts.replication);
  const faults = opts.faults ? new FaultInjector(opts.random) : undefined;
  const log = opts.logger;

  function send(
    res: ServerResponse,
    reqId: string,
    startedAt: number,
    method: string,
    result: OperationResult,
  ): void {
    const headers: Record<string, string> = {
      server: 'AliyunOSS',
      date: formatHttpDate(clock()),
      'x-oss-request-id': reqId,
      'x-oss-server-time': String(Math.max(0, Math.round(performance.now() - startedAt))),
      ...result.headers,
    };
    const body =
      result.body === undefined
        ? undefined
        : typeof result.body === 'string'
          ? Buffer.from(result.body)
          : result.body;
    if (headers['content-length'] === undefined) {
      headers['content-length'] = String(method === 'HEAD' ? 0 : (body?.length ?? 0));
    }
    res.writeHead(result.status, headers);
    if (body !== undefined && method !== 'HEAD' && result.status !== 204) {
      res.end(body);
    } else {
      res.end();
    }
  }

  function errorResult(err: OssError, reqId: string, hostId: string, method: string): OperationResult {
    const body = errorXml(err, reqId, hostId);
    const headers: Record<string, string> = { 'content-type': 'application/xml', 'x-oss-ec': err.ec };
    if (method === 'HEAD') {
      headers['x-oss-err'] = Buffer.from(body).toString('base64');
    }
    return { status: err.status, headers, body };
  }

  async function handleFaultsAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    reqId: string,
    startedAt: number,
  ): Promise<void> {
    const json = (status: number, value: unknown): void =>
      send(res, reqId, startedAt, req.method ?? 'GET', {
        status,
        headers: { 'content-type': 'application/json' },
        body: value === undefined ? undefined : JSON.stringify(value),
      });
    const f = faults!;
    const body = await readBody(req);
    if (path === FAULTS_PATH && req.method === 'GET') {
      json(200, { faults: f.list() });
    } else if (path === FAULTS_PATH && req.method === 'DELETE') {
      f.clear();
      json(204, undefined);
    } else if (path === FAULTS_PATH && req.method === 'POST') {
      try {
        const spec = parseFaultSpec(JSON.parse(body.toString('utf8')) as unknown);
        json(201, f.add(spec));
      } catch (err) {
        json(400, { error: err instanceof FaultSpecError ? err.message : 'body must be JSON' });
      }
    } else if (path.startsWith(`${FAULTS_PATH}/`) && req.method === 'DELETE') {
      json(f.remove(path.slice(FAULTS_PATH.length + 1)) ? 204 : 404, undefined);
    } else {
      json(404, { error: 'unknown fault admin route' });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const reqId = requestId();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const qIndex = url.indexOf('?');
    const rawPath = qIndex < 0 ? url : url.slice(0, qIndex);
    const rawQuery = qIndex < 0 ? '' : url.slice(qIndex + 1);
    const hostId = sanitizeHost(req.headers.host);
    let op: OperationName | 'Unknown' = 'Unknown';
    let status = 0;
    try {
      if (faults && (rawPath === FAULTS_PATH || rawPath.startsWith(`${FAULTS_PATH}/`))) {
        await handleFaultsAdmin(req, res, rawPath, reqId, startedAt);
        status = res.statusCode;
        return;
      }
      const headers = flattenHeaders(req);
      const address = resolveAddress(req.headers.host, rawPath);
      const query = parseQuery(rawQuery);
      const queryMap = new Map<string, string | null>();
      for (const [k, v] of query) {
        if (!queryMap.has(k)) {
          queryMap.set(k, v);
        }
      }
      op = routeOperation(method, address.bucket, address.key, queryMap);

      const decision = faults?.decide(op);
      if (decision && decision.latencyMs > 0) {
        await sleep(decision.latencyMs);
      }
      if (decision?.outcome?.kind === 'reset') {
        status = -1;
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      if (decision?.outcome?.kind === 'malformed') {
        const result: OperationResult = {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body: '<?xml version="1.0" encoding="UTF-8"?>\n<ReplicationConfiguration><Rule><ID>trunc',
        };
        status = 200;
        send(res, reqId, startedAt, method, result);
        return;
      }
      if (decision?.outcome?.kind === 'error') {
        const o = decision.outcome;
        throw new OssError(o.code, o.message, {}, o.status);
      }

      if (address.bucket !== undefined && !isValidBucketName(address.bucket)) {
        throw ossError('InvalidBucketName', { BucketName: address.bucket });
      }
      const caller: AuthenticatedCaller = verifyRequest(
        { method, bucket: address.bucket, key: address.key, query, headers },
        { keys: keyRing, now: clock(), clockSkewSeconds: skew },
      );
      checkContentMd5(headers, body);

      let region = defaultRegion;
      let unknownHostRegion: string | undefined;
      if (address.hostRegion !== undefined) {
        if (regions.has(address.hostRegion)) {
          region = address.hostRegion;
        } else {
          unknownHostRegion = address.hostRegion;
        }
      } else if (caller.scopeRegion !== undefined && regions.has(caller.scopeRegion)) {
        region = caller.scopeRegion;
      }
      const ctx = {
        store,
        engine,
        regions,
        clock,
        method,
        query: queryMap,
        headers,
        body,
        region,
        ...(address.bucket !== undefined ? { bucketName: address.bucket } : {}),
        ...(address.key !== undefined ? { key: address.key } : {}),
        ...(unknownHostRegion !== undefined ? { unknownHostRegion } : {}),
      };
      const result = runOperation(op, ctx);
      status = result.status;
      send(res, reqId, startedAt, method, result);
    } catch (err) {
      let ossErr: OssError;
      if (err instanceof OssError) {
        ossErr = err;
      } else if (err instanceof BodyTooLarge) {
        ossErr = ossError('EntityTooLarge');
      } else {
        ossErr = ossError('InternalError');
        log?.(`emulator internal error ${reqId}: ${err instanceof Error ? err.message : String(err)}`);
      }
      status = ossErr.status;
      if (!res.headersSent) {
        send(res, reqId, startedAt, method, errorResult(ossErr, reqId, hostId, method));
      } else {
        res.destroy();
      }
    } finally {
      log?.(`${method} ${rawPath} ${op} ${status} ${(performance.now() - startedAt).toFixed(1)}ms ${reqId}`);
    }
  }

  const server: Server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    void handle(req, res);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  engine.start();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  function adminBucket(name: string) {
    const bucket = store.getBucket(name);
    if (!bucket) {
      throw ossError('NoSuchBucket', { BucketName: name });
    }
    return bucket;
  }

  const admin: EmulatorAdmin = {
    createBucket(name, region, o) {
      if (!isValidBucketName(name)) {
        throw ossError('InvalidBucketName', { BucketName: name });
      }
      const id = region.startsWith('oss-') ? region.slice(4) : region;
      if (!regions.has(id)) {
        throw ossError('InvalidLocationConstraint', { Location: region });
      }
      if (store.getBucket(name)) {
        throw ossError('BucketAlreadyExists', { BucketName: name });
      }
      const bucket = store.createBucket(name, id, clock());
      if (o?.versioning) {
        bucket.versioning = 'Enabled';
      }
    },
    putObject(bucketName, key, body, contentType) {
      const bucket = adminBucket(bucketName);
      writeObject(
        store,
        engine,
        bucket,
        key,
        typeof body === 'string' ? Buffer.from(body) : body,
        contentType ?? 'application/octet-stream',
        {},
        clock(),
      );
    },
    deleteObject(bucketName, key) {
      removeObject(store, engine, adminBucket(bucketName), key);
    },
    listObjects(bucketName) {
      const bucket = adminBucket(bucketName);
      return store.sortedKeys(bucket).map((key) => {
        const o = bucket.objects.get(key)!;
        return { key, size: o.body.length, etag: o.etag };
      });
    },
    getObject(bucketName, key) {
      return adminBucket(bucketName).objects.get(key)?.body;
    },
    getRules(bucketName) {
      return adminBucket(bucketName).rules.map((r) => {
        const view: ReplicationRuleView = {
          id: r.id,
          status: r.status,
          prefixes: [...r.prefixes],
          action: r.action,
          destination: { ...r.destination },
          historicalObjectReplication: r.historicalObjectReplication,
          pendingObjects: r.newQueue.length + r.historicalQueue.length,
          historicalTotal: r.historicalTotal,
          historicalDone: r.historicalDone,
        };
        if (r.rtc !== undefined) {
          view.rtc = r.rtc;
        }
        return view;
      });
    },
    tickReplication(maxObjects) {
      return engine.tick(maxObjects);
    },
    flushReplication() {
      return engine.flush();
    },
  };

  let closed = false;
  const emulator: Emulator = {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    accessKeys: accessKeys.map((k) => ({ ...k })),
    regions: regionList.map((r) => ({ ...r })),
    defaultRegion,
    admin,
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      engine.stop();
      store.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  if (faults) {
    emulator.faults = faults;
  }
  return emulator;
}
