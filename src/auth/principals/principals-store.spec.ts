import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  principalWithKey,
  writePrincipalsFile,
  type PrincipalsFile,
} from '../../../test/fixtures/principals.js';
import { PrincipalsFileError } from './principals-file.js';
import { PrincipalsStore, type ReloadOutcome } from './principals-store.js';

function quietLogger() {
  return { log: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

function nextReload(store: PrincipalsStore, status: ReloadOutcome['status']): Promise<ReloadOutcome> {
  return new Promise((resolve) => {
    const off = store.onReload((outcome) => {
      if (outcome.status === status) {
        off();
        resolve(outcome);
      }
    });
  });
}

describe(PrincipalsStore.name, () => {
  const files: PrincipalsFile[] = [];
  const stores: PrincipalsStore[] = [];
  afterEach(() => {
    stores.splice(0).forEach((s) => s.stop());
    files.splice(0).forEach((f) => f.cleanup());
  });

  function setup(options: { watch?: boolean; reloadOnSighup?: boolean } = {}) {
    const first = principalWithKey('first-service');
    const file = writePrincipalsFile({ principals: [first.entry] });
    files.push(file);
    const logger = quietLogger();
    const store = new PrincipalsStore({
      file: file.file,
      logger,
      debounceMs: 10,
      watch: false,
      reloadOnSighup: false,
      ...options,
    });
    stores.push(store);
    return { store, file, logger, first };
  }

  it('has no principals when no file is configured, and says so', () => {
    const logger = quietLogger();
    const store = new PrincipalsStore({ file: undefined, logger });
    store.start();
    expect(store.current().principals.size).toBe(0);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/every request needing authentication gets 401/),
    );
  });

  it('refuses to start on an invalid file, naming the bad path', () => {
    const file = writePrincipalsFile({ principals: [{ id: 'x', type: 'martian' }] });
    files.push(file);
    const store = new PrincipalsStore({
      file: file.file,
      logger: quietLogger(),
      watch: false,
      reloadOnSighup: false,
    });
    expect(() => store.start()).toThrow(PrincipalsFileError);
    expect(() => store.start()).toThrow(/principals\[0\]\.type/);
  });

  it('refuses to start when the file cannot be read', () => {
    const store = new PrincipalsStore({
      file: '/nonexistent/principals.yaml',
      logger: quietLogger(),
      watch: false,
    });
    expect(() => store.start()).toThrow(/ENOENT/);
  });

  it('swaps in a new snapshot on reload while holders of the old one keep it', async () => {
    const { store, file } = setup();
    store.start();
    const before = store.current();
    const second = principalWithKey('second-service');
    file.replace({ principals: [second.entry] });
    await expect(store.reload()).resolves.toMatchObject({ status: 'reloaded' });
    expect(store.current().principals.has('second-service')).toBe(true);
    expect(before.principals.has('first-service')).toBe(true);
    expect(before.principals.has('second-service')).toBe(false);
  });

  it('keeps the last good version when a reload is invalid, and logs why', async () => {
    const { store, file, logger } = setup();
    store.start();
    const good = store.current();
    file.replace({ principals: [{ id: 'x', type: 'service', policies: ['Missing'] }] });
    const outcome = await store.reload();
    expect(outcome).toEqual({
      status: 'rejected',
      problems: [expect.objectContaining({ path: 'principals[0].policies[0]' })],
    });
    expect(store.current()).toBe(good);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/principals\[0\]\.policies\[0\].*\n.*Keeping the last good version/s),
    );
  });

  it('does not swap when the content is unchanged', async () => {
    const { store } = setup();
    store.start();
    const snapshot = store.current();
    await expect(store.reload()).resolves.toEqual({ status: 'unchanged' });
    expect(store.current()).toBe(snapshot);
  });

  it('reloads after an atomic rename into the watched directory', async () => {
    const { store, file } = setup({ watch: true });
    store.start();
    const reloaded = nextReload(store, 'reloaded');
    file.replace({ principals: [principalWithKey('renamed-in').entry] });
    await reloaded;
    expect(store.current().principals.has('renamed-in')).toBe(true);
  });

  it('reloads on SIGHUP', async () => {
    const { store, file } = setup({ reloadOnSighup: true });
    store.start();
    file.replace({ principals: [principalWithKey('after-hup').entry] });
    const reloaded = nextReload(store, 'reloaded');
    process.emit('SIGHUP', 'SIGHUP');
    await reloaded;
    expect(store.current().principals.has('after-hup')).toBe(true);
  });

  it('stops listening for SIGHUP when stopped', () => {
    const { store } = setup({ reloadOnSighup: true });
    const before = process.listenerCount('SIGHUP');
    store.start();
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    store.stop();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('warns once per plain-secret key, not on every reload', async () => {
    const file = writePrincipalsFile({
      principals: [
        { id: 'dev', type: 'user', apiKeys: [{ id: 'dev-key', secret: 'dev-only-plain-secret' }] },
      ],
    });
    files.push(file);
    const logger = quietLogger();
    const store = new PrincipalsStore({ file: file.file, logger, watch: false, reloadOnSighup: false });
    stores.push(store);
    store.start();
    file.replace({
      principals: [
        { id: 'dev', type: 'role', apiKeys: [{ id: 'dev-key', secret: 'dev-only-plain-secret' }] },
      ],
    });
    await store.reload();
    const warnings = logger.warn.mock.calls.filter(([m]) => String(m).includes('dev-key'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('dev-only-plain-secret');
  });
});
