import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The gateway as a real process: built with the project's own `tsc -p tsconfig.build.json` (what
 * `npm run build` and the Dockerfile run), started with `node dist/main.js`, driven by signals and
 * HTTP, and judged by its exit code and output.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Environment every spawned gateway gets unless overridden: nothing inherited, any free ports. */
export const PROCESS_TEST_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  PORT: '0',
  EMULATOR_PORT: '0',
  DATABASE_URL: 'sqlite::memory:',
  LOG_LEVEL: 'info',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Everything the build output depends on, and where this clone is (its node_modules is linked). */
function buildKey(): string {
  const hash = createHash('sha256').update(REPO_ROOT);
  const inputs = [
    ...filesUnder(join(REPO_ROOT, 'src')),
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(REPO_ROOT, f)),
  ];
  for (const file of inputs) {
    hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds the gateway into `<tmp>/oss-gateway-build-<key>/` laid out like the image's `/app`: `dist/`,
 * `package.json` and `node_modules` (a symlink to this clone's). The key hashes src/, package.json
 * and the tsconfigs, so a build is reused while they are unchanged and never stale; a build is made
 * in a private folder and renamed into place, so concurrent runs never see half of one.
 */
export async function buildGateway(): Promise<string> {
  const target = join(tmpdir(), `oss-gateway-build-${buildKey()}`);
  if (existsSync(join(target, 'dist', 'main.js'))) {
    return target;
  }
  const work = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(work, { recursive: true });
  try {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--outDir', join(work, 'dist')],
      { cwd: REPO_ROOT },
    );
    copyFileSync(join(REPO_ROOT, 'package.json'), join(work, 'package.json'));
    symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(work, 'node_modules'), 'dir');
    renameSync(work, target);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    // Another run renamed the same build into place first.
    if (existsSync(join(target, 'dist', 'main.js'))) {
      return target;
    }
    throw error;
  }
  return target;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects (with the output) if the process exits first. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The base URL from the start-up banner (`http://127.0.0.1:<port>`), once it is printed. */
  baseUrl(): Promise<string>;
  readonly exited: Promise<ProcessExit>;
  /** Kills the process if it still runs (test clean-up). */
  kill(): Promise<void>;
}

export interface StartGatewayOptions {
  /** Working directory (default: the build folder). */
  cwd?: string;
  /** Arguments after `node` (default: `dist/main.js`). */
  args?: string[];
  uid?: number;
  gid?: number;
}

/** Starts `node dist/main.js` from `appDir` with exactly `env` (nothing inherited from the test process). */
export function startGateway(
  appDir: string,
  env: Record<string, string>,
  options: StartGatewayOptions = {},
): GatewayProcess {
  const child = spawn(process.execPath, options.args ?? ['dist/main.js'], {
    cwd: options.cwd ?? appDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    waiters.forEach((w) => w());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  let closed = false;
  const exited = new Promise<ProcessExit>((resolveExit) => {
    // 'close', not 'exit': by then every byte of output has been read.
    child.on('close', (code, signal) => {
      closed = true;
      resolveExit({ code, signal });
      waiters.forEach((w) => w());
    });
  });

  const waitForStdout = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolveMatch, reject) => {
      const check = (): void => {
        const match = out.match(pattern);
        if (match) {
          waiters.delete(check);
          resolveMatch(match);
        } else if (closed) {
          waiters.delete(check);
          reject(
            new Error(
              `gateway exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\n` +
                `--- stdout\n${out}\n--- stderr\n${err}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout,
    baseUrl: async () => (await waitForStdout(/REST API\s+(http:\/\/\S+)\/v1\n/))[1],
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}

/** Runs a gateway that is expected to refuse to start, and returns how it ended. */
export async function runToExit(
  appDir: string,
  env: Record<string, string>,
): Promise<ProcessExit & { stdout: string; stderr: string }> {
  const gateway = startGateway(appDir, env);
  const exit = await gateway.exited;
  return { ...exit, stdout: gateway.stdout(), stderr: gateway.stderr() };
}
