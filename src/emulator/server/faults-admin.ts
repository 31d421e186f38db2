import { type FaultInjector, FaultSpecError, parseFaultSpec } from '../faults.js';
import { type Exchange, readBody, send } from './exchange.js';

export const FAULTS_PATH = '/__emulator/faults';

export function isFaultsAdminPath(path: string): boolean {
  return path === FAULTS_PATH || path.startsWith(`${FAULTS_PATH}/`);
}

/** The fault-injection admin endpoint (JSON, no signature); see faults.ts for the routes. */
export async function handleFaultsAdmin(
  faults: FaultInjector,
  exchange: Exchange,
  clock: () => Date,
): Promise<void> {
  const { req, rawPath: path } = exchange;
  const json = (status: number, value: unknown): void =>
    send(exchange, clock, {
      status,
      headers: { 'content-type': 'application/json' },
      body: value === undefined ? undefined : JSON.stringify(value),
    });
  const body = await readBody(req);
  if (path === FAULTS_PATH && req.method === 'GET') {
    json(200, { faults: faults.list() });
  } else if (path === FAULTS_PATH && req.method === 'DELETE') {
    faults.clear();
    json(204, undefined);
  } else if (path === FAULTS_PATH && req.method === 'POST') {
    try {
      const spec = parseFaultSpec(JSON.parse(body.toString('utf8')) as unknown);
      json(201, faults.add(spec));
    } catch (err) {
      json(400, { error: err instanceof FaultSpecError ? err.message : 'body must be JSON' });
    }
  } else if (path.startsWith(`${FAULTS_PATH}/`) && req.method === 'DELETE') {
    json(faults.remove(path.slice(FAULTS_PATH.length + 1)) ? 204 : 404, undefined);
  } else {
    json(404, { error: 'unknown fault admin route' });
  }
}
