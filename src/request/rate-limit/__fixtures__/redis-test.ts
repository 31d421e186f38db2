import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/*
 * Redis for the rate-limit tests. CI runs Redis on 127.0.0.1:6379; if it cannot be reached the tests
 * FAIL, unless RATE_LIMIT_SKIP_REDIS=1 says to skip them. Every test uses its own key prefix.
 * Outage tests start a private `redis-server` child on a free port and stop it.
 */

/* eslint-disable no-restricted-properties -- test-only switches, read where the tests need them. */
const SKIP = process.env.RATE_LIMIT_SKIP_REDIS === '1';
const URL = process.env.RATE_LIMIT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/* eslint-enable no-restricted-properties */

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The Redis URL to test against, or null when skipping was asked for. Throws when unreachable. */
export async function resolveRedisTestUrl(): Promise<string | null> {
  if (await ping(URL)) {
    return URL;
  }
  if (SKIP) {
    return null;
  }
  throw new Error(
    `Redis is not reachable at ${URL}; start it (see .ci/run) or set RATE_LIMIT_SKIP_REDIS=1 to skip the Redis rate-limit tests`,
  );
}

/** A key prefix no other test (or test run) uses. */
export function uniqueKeyPrefix(): string {
  return `test:rl:${process.pid}:${randomBytes(4).toString('hex')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: no goodbye to connected clients, like a crash or a network cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** A `redis-server` child process of this test, without persistence, on a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await ping(url)) {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null) {
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    }
  };
  await start();
  return { url, port, stop, start };
}
