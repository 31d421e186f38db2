import { createRequire } from 'node:module';

/**
 * The flood of `npm run bench -- flood`, in a process of its own so that writing the bodies does not
 * slow the measured caller's client: `FLOOD_CONNECTIONS` connections post `FLOOD_BYTES`-byte JSON
 * bodies without any key to `FLOOD_URL` for `FLOOD_DURATION_SEC`, then the answer counts go to the
 * parent over IPC.
 */

interface FloodResult {
  duration: number;
  errors: number;
  statusCodeStats: Record<string, { count: number }>;
}

// autocannon ships no type declarations; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  connections: number;
  duration: number;
}) => Promise<FloodResult>;

/** A JSON body of exactly `bytes` bytes (a rule whose id is padded). */
function floodBody(bytes: number): Buffer {
  const head = '{"id":"';
  const tail = '","destination":{"bucket":"demo-replica","location":"oss-cn-beijing"}}';
  return Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail);
}

const env = process.env;
const result = await autocannon({
  url: env.FLOOD_URL!,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: floodBody(Number(env.FLOOD_BYTES)),
  connections: Number(env.FLOOD_CONNECTIONS),
  duration: Number(env.FLOOD_DURATION_SEC),
});
const answers: Record<string, number> = Object.fromEntries(
  Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
);
process.send!({ duration: result.duration, errors: result.errors, answers }, () => process.exit(0));
