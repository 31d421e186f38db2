import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueryPair } from '../../oss/signer/types.js';
import { parseQuery, resolveAddress, type Addressed } from '../addressing.js';
import { verifyRequest, type AuthenticatedCaller } from '../auth/verify-signature.js';
import { OssError, ossError } from '../errors.js';
import type { OperationContext, OperationResult } from '../operations/operation-context.js';
import { routeOperation, type OperationName, type QueryMap } from '../operations/routing.js';
import { runOperation } from '../operations/run-operation.js';
import { isValidBucketName } from '../store/bucket-name.js';
import type { EmulatorState } from './emulator-state.js';
import {
  BodyTooLarge,
  checkContentMd5,
  errorResult,
  flattenHeaders,
  openExchange,
  readBody,
  send,
  type Exchange,
} from './exchange.js';
import { handleClockAdmin, isClockAdminPath } from './clock-admin.js';
import { handleFaultsAdmin, isFaultsAdminPath } from './faults-admin.js';

/** The 200 a `malformedBody` fault answers with: XML cut off inside an element. */
const TRUNCATED_XML: OperationResult = {
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<ReplicationConfiguration><Rule><ID>trunc',
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The query with the first value of each key (`key` and `key=` both present, value null or ''). */
function firstValues(query: readonly QueryPair[]): QueryMap {
  const map = new Map<string, string | null>();
  for (const [k, v] of query) {
    if (!map.has(k)) {
      map.set(k, v);
    }
  }
  return map;
}

/**
 * The region a request acts in: the host's region when it names one the emulator serves, else the
 * V4 signing scope's, else the default. A host region the emulator does not serve is reported.
 */
function requestRegion(
  state: EmulatorState,
  address: Addressed,
  caller: AuthenticatedCaller,
): Pick<OperationContext, 'region' | 'unknownHostRegion'> {
  if (address.hostRegion !== undefined) {
    return state.regions.has(address.hostRegion)
      ? { region: address.hostRegion }
      : { region: state.defaultRegion, unknownHostRegion: address.hostRegion };
  }
  if (caller.scopeRegion !== undefined && state.regions.has(caller.scopeRegion)) {
    return { region: caller.scopeRegion };
  }
  return { region: state.defaultRegion };
}

function toOssError(state: EmulatorState, exchange: Exchange, err: unknown): OssError {
  if (err instanceof OssError) {
    return err;
  }
  if (err instanceof BodyTooLarge) {
    return ossError('EntityTooLarge');
  }
  state.log?.(
    `emulator internal error ${exchange.requestId}: ${err instanceof Error ? err.message : String(err)}`,
  );
  return ossError('InternalError');
}

/** What a request addresses, read from its URL and headers before anything else. */
interface Target {
  op: OperationName;
  address: Addressed;
  headers: Record<string, string>;
  query: QueryPair[];
  queryMap: QueryMap;
}

function readTarget(exchange: Exchange): Target {
  const headers = flattenHeaders(exchange.req);
  const address = resolveAddress(exchange.req.headers.host, exchange.rawPath);
  const query = parseQuery(exchange.rawQuery);
  const queryMap = firstValues(query);
  const op = routeOperation(exchange.method, address.bucket, address.key, queryMap);
  return { op, address, headers, query, queryMap };
}

/**
 * Serves one OSS request: injected fault → body → bucket name → signature → Content-MD5 →
 * operation. Returns the status answered (-1 for a reset connection).
 */
async function serveOss(state: EmulatorState, exchange: Exchange, target: Target): Promise<number> {
  const { req, method } = exchange;
  const { op, address, headers, query, queryMap } = target;
  const decision = state.faults.decide(op);
  if (decision && decision.latencyMs > 0) {
    await sleep(decision.latencyMs);
  }
  if (decision?.outcome?.kind === 'reset') {
    req.socket.destroy();
    return -1;
  }
  const body = await readBody(req);
  if (decision?.outcome?.kind === 'malformed') {
    send(exchange, state.clock, TRUNCATED_XML);
    return TRUNCATED_XML.status;
  }
  if (decision?.outcome?.kind === 'error') {
    const o = decision.outcome;
    throw new OssError(o.code, o.message, {}, o.status);
  }

  if (address.bucket !== undefined && !isValidBucketName(address.bucket)) {
    throw ossError('InvalidBucketName', { BucketName: address.bucket });
  }
  // Clients sign with their own time: the base clock, not the (movable) emulator clock.
  const caller = verifyRequest(
    { method, bucket: address.bucket, key: address.key, query, headers },
    { keys: state.keyRing, now: state.emulatorClock.base(), clockSkewSeconds: state.clockSkewSeconds },
  );
  checkContentMd5(headers, body);

  const ctx: OperationContext = {
    store: state.store,
    engine: state.engine,
    regions: state.regions,
    clock: state.clock,
    method,
    query: queryMap,
    headers,
    body,
    owner: state.keyRing.ownerOf(caller.accessKeyId, caller.securityToken),
    ...requestRegion(state, address, caller),
    ...(address.bucket !== undefined ? { bucketName: address.bucket } : {}),
    ...(address.key !== undefined ? { key: address.key } : {}),
  };
  const result = runOperation(op, ctx);
  send(exchange, state.clock, result);
  return result.status;
}

/** The emulator's HTTP handler: the fault and clock admin endpoints, else an OSS request; one log line each. */
export function createRequestHandler(
  state: EmulatorState,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const exchange = openExchange(req, res);
    let op: OperationName | 'Unknown' = 'Unknown';
    let status = 0;
    try {
      if (state.faultsAdmin && isFaultsAdminPath(exchange.rawPath)) {
        await handleFaultsAdmin(state.faults, exchange, state.clock);
        status = res.statusCode;
        return;
      }
      if (state.faultsAdmin && isClockAdminPath(exchange.rawPath)) {
        await handleClockAdmin(state.emulatorClock, state.engine, exchange);
        status = res.statusCode;
        return;
      }
      const target = readTarget(exchange);
      op = target.op;
      status = await serveOss(state, exchange, target);
    } catch (err) {
      const ossErr = toOssError(state, exchange, err);
      status = ossErr.status;
      if (!res.headersSent) {
        send(exchange, state.clock, errorResult(ossErr, exchange));
      } else {
        res.destroy();
      }
    } finally {
      state.log?.(
        `${exchange.method} ${exchange.rawPath} ${op} ${status} ${(performance.now() - exchange.startedAt).toFixed(1)}ms ${exchange.requestId}`,
      );
    }
  };
}
