import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { type PrincipalsFileProblem, PrincipalsFileError, parsePrincipalsFile } from './principals-file.js';
import { PrincipalsSnapshot } from './principal.js';

export interface PrincipalsLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface PrincipalsStoreOptions {
  /** Path of the principals file; undefined → no principals (every call is 401). */
  file: string | undefined;
  logger: PrincipalsLogger;
  /** Quiet period after the last file-system event before re-reading (default 100 ms). */
  debounceMs?: number;
  /** Reload on SIGHUP (default true). */
  reloadOnSighup?: boolean;
  /** Watch the file's directory (default true). */
  watch?: boolean;
  clock?: () => Date;
}

export type ReloadOutcome =
  | { status: 'reloaded'; fingerprint: string }
  | { status: 'unchanged' }
  | { status: 'rejected'; problems: PrincipalsFileProblem[] };

/**
 * Holds the current principals snapshot. `start()` loads the file synchronously (and throws a
 * PrincipalsFileError naming every bad path); afterwards the file's directory is watched (so atomic
 * rename-into-place works) and SIGHUP triggers a reload. A reload builds a complete new snapshot and
 * swaps the reference in one assignment: requests already holding the old snapshot finish with it. A
 * bad reload keeps the last good snapshot and logs why.
 */
export class PrincipalsStore {
  private snapshot: PrincipalsSnapshot;
  private lastText: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  private pending = false;
  private readonly warnedPlainKeys = new Set<string>();
  private readonly listeners = new Set<(outcome: ReloadOutcome) => void>();
  private readonly file: string | undefined;
  private readonly clock: () => Date;
  private readonly onSighup = (): void => {
    this.options.logger.log('SIGHUP received: reloading the principals file');
    void this.reload();
  };

  constructor(private readonly options: PrincipalsStoreOptions) {
    this.file = options.file === undefined ? undefined : resolve(options.file);
    this.clock = options.clock ?? (() => new Date());
    this.snapshot = PrincipalsSnapshot.empty(this.clock());
  }

  current(): PrincipalsSnapshot {
    return this.snapshot;
  }

  /** Loads the file (throws PrincipalsFileError when invalid or unreadable) and starts watching. */
  start(): void {
    if (this.file === undefined) {
      this.options.logger.warn(
        'No principals file configured (GATEWAY_PRINCIPALS_FILE): there are no callers and every request needing authentication gets 401',
      );
      return;
    }
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      throw new PrincipalsFileError(this.file, [
        { path: '$', message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` },
      ]);
    }
    const result = parsePrincipalsFile(text, this.file, this.clock());
    if (!result.ok) {
      throw new PrincipalsFileError(this.file, result.problems);
    }
    this.swap(text, result.snapshot, result.plainSecretKeys);
    if (this.options.watch ?? true) {
      this.watchDirectory(this.file);
    }
    if (this.options.reloadOnSighup ?? true) {
      process.on('SIGHUP', this.onSighup);
    }
  }

  /** Nest lifecycle: the store is provided by a factory in AuthModule. */
  onModuleInit(): void {
    this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    process.off('SIGHUP', this.onSighup);
    this.listeners.clear();
  }

  /** Called after every reload attempt (tests and health use it). Returns an unsubscribe function. */
  onReload(listener: (outcome: ReloadOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the file now. Concurrent calls coalesce: at most one read runs, plus one queued. */
  async reload(): Promise<ReloadOutcome> {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = this.readAndSwap();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
      if (this.pending) {
        this.pending = false;
        void this.reload();
      }
    }
  }

  private async readAndSwap(): Promise<ReloadOutcome> {
    const file = this.file;
    if (file === undefined) {
      return this.emit({ status: 'unchanged' });
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const problems = [
        { path: '$', message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` },
      ];
      this.options.logger.error(
        `Principals file ${file} was not reloaded; keeping version ${this.snapshot.fingerprint}: ${problems[0].message}`,
      );
      return this.emit({ status: 'rejected', problems });
    }
    if (text === this.lastText) {
      return this.emit({ status: 'unchanged' });
    }
    const result = parsePrincipalsFile(text, file, this.clock());
    if (!result.ok) {
      this.options.logger.error(
        `${new PrincipalsFileError(file, result.problems).message}\nKeeping the last good version ${this.snapshot.fingerprint}.`,
      );
      return this.emit({ status: 'rejected', problems: result.problems });
    }
    this.swap(text, result.snapshot, result.plainSecretKeys);
    this.options.logger.log(
      `Principals file reloaded: version ${result.snapshot.fingerprint}, ${result.snapshot.principals.size} principals`,
    );
    return this.emit({ status: 'reloaded', fingerprint: result.snapshot.fingerprint });
  }

  private swap(text: string, snapshot: PrincipalsSnapshot, plainSecretKeys: string[]): void {
    for (const keyId of plainSecretKeys) {
      if (!this.warnedPlainKeys.has(keyId)) {
        this.warnedPlainKeys.add(keyId);
        this.options.logger.warn(
          `API key "${keyId}" is configured with a plain secret: development only, use sha256 in production`,
        );
      }
    }
    this.lastText = text;
    this.snapshot = snapshot;
  }

  private emit(outcome: ReloadOutcome): ReloadOutcome {
    for (const listener of this.listeners) {
      listener(outcome);
    }
    return outcome;
  }

  private watchDirectory(file: string): void {
    const name = basename(file);
    try {
      // The directory, not the file: editors and config managers replace files by rename, which
      // would leave a file watcher attached to the old inode.
      this.watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
        // Any change in the directory may be ours (symlink swaps such as Kubernetes' ..data);
        // unchanged content is detected after reading.
        if (changed === null || changed === name || !changed.startsWith('.') || changed.startsWith('..')) {
          this.schedule();
        }
      });
      this.watcher.on('error', (error: Error) => {
        this.options.logger.warn(`Watching ${dirname(file)} failed (${error.message}); use SIGHUP to reload`);
      });
    } catch (error) {
      this.options.logger.warn(
        `Cannot watch ${dirname(file)} (${(error as Error).message}); use SIGHUP to reload`,
      );
    }
  }

  private schedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.options.debounceMs ?? 100);
    this.timer.unref();
  }
}
