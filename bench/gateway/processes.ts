import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { ChildMessage, ParentMessage } from './messages.js';

/** A server of the bench in its own process. */
export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  /** The process's CPU time so far (user + system, every thread), in µs. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time of a process (every thread, the exited ones included) from `/proc/<pid>/stat`: utime and
 * stime, fields 14 and 15 (proc(5)), counted in clock ticks.
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicks();
}

/** A free TCP port on loopback (for a child that takes its port from the environment). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Keeps the last few KB of a child's stderr, to explain a failed start. */
function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  });
  return () => text;
}

async function stopWithin(child: ChildProcess, ask: () => void, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited(child);
  clearTimeout(timer);
}

/**
 * Forks one of the bench's own servers (a compiled `bench/gateway/*.process.js`) and waits for its
 * `ready` message. `request` sends it a message and resolves with the next one it answers.
 */
export interface ForkedServer extends ServerProcess {
  ready: ChildMessage;
  request(message: ParentMessage): Promise<ChildMessage>;
}

export async function forkServer(
  name: string,
  file: URL,
  env: Record<string, string>,
): Promise<ForkedServer> {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    execArgv: ['--max-semi-space-size=32'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr = tail(child);
  const ready = await new Promise<ChildMessage>((resolve, reject) => {
    child.once('message', (message: ChildMessage) => resolve(message));
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr()}`)),
    );
  });
  if (ready.type !== 'ready') {
    throw new Error(`${name} sent ${ready.type} instead of ready`);
  }
  return {
    name,
    pid: child.pid!,
    url: ready.url,
    ready,
    cpuMicros: () => processCpuMicros(child.pid!),
    request: (message) =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send(message);
      }),
    stop: () => stopWithin(child, () => child.send({ type: 'stop' } satisfies ParentMessage)),
  };
}

/**
 * Starts the gateway the way `npm start` does (`node --max-semi-space-size=32 <dist>/main.js`) with
 * `env` only, and waits until `GET /health/live` answers.
 */
export async function spawnGateway(mainJs: URL, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=32', mainJs.pathname], {
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
    // Its logs (LOG_LEVEL) are written, as in production, to a stdout nobody reads.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = tail(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the gateway exited (${child.exitCode}) at start-up:\n${stderr()}`);
    }
    try {
      const res = await fetch(`${url}/health/live`);
      if (res.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway did not answer /health/live within 60 s:\n${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name: 'gateway',
    pid: child.pid!,
    url,
    cpuMicros: () => processCpuMicros(child.pid!),
    stop: () => stopWithin(child, () => child.kill('SIGTERM'), 10_000),
  };
}
