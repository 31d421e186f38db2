import { type FaultInjector, FaultSpecError, parseFaultSpec } from '../faults.js';
import { type Exchange, readBody, send } from './exchange.js';

export const FAULTS_PATH = '/__emulator/faults';

export function isFaultsAdminPath(path: string): boolean {
  return path === FAULTS_PATH || path.startsWith(`${FAULTS_PATH}/`);
}

/** Writes a JSON answer (no body for `undefined`). */
export function sendJson(exchange: Exchange, clock: () => Date, status: number, value: unknown): void {
  send(exchange, clock, {
    status,
    headers: { 'content-type': 'application/json' },
    body: value === undefined ? undefined : JSON.stringify(value),
  });
}

/** The body as JSON; `undefined` when it is not JSON. */
export async function readJson(exchange: Exchange): Promise<{ value: unknown } | undefined> {
  const body = await readBody(exchange.req);
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/** The fault-injection admin endpoint (JSON, no signature); see faults.ts for the routes. */
export async function handleFaultsAdmin(
  faults: FaultInjector,
  exchange: Exchange,
  clock: () => Date,
): Promise<void> {
  const { req, rawPath: path } = exchange;
  const json = (status: number, value: unknown): void => sendJson(exchange, clock, status, value);
  if (path === FAULTS_PATH && req.method === 'POST') {
    const body = await readJson(exchange);
    if (body === undefined) {
      json(400, { error: 'body must be JSON', field: 'body' });
      return;
    }
    try {
      json(201, faults.add(parseFaultSpec(body.value)));
    } catch (err) {
      if (!(err instanceof FaultSpecError)) {
        throw err;
      }
      json(400, { error: err.message, field: err.field });
    }
    return;
  }
  await readBody(req);
  if (path === FAULTS_PATH && req.method === 'GET') {
    json(200, { faults: faults.list() });
  } else if (path === FAULTS_PATH && req.method === 'DELETE') {
    faults.clear();
    json(204, undefined);
  } else if (path.startsWith(`${FAULTS_PATH}/`) && req.method === 'DELETE') {
    json(faults.remove(path.slice(FAULTS_PATH.length + 1)) ? 204 : 404, undefined);
  } else {
    json(404, { error: 'unknown fault admin route' });
  }
}
