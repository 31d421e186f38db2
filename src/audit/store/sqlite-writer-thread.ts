import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One row's values, in the order of the INSERT's placeholders. */
export type SqliteRowValues = Array<string | number | null>;

interface WriterRequest {
  id: number;
  /** The batch's rows as one JSON array: a flat string crosses threads far cheaper than nested arrays. */
  rows?: string;
  /** One row to insert and roll back (a write probe), as JSON. */
  probe?: string;
  close?: true;
}

interface WriterReply {
  id: number;
  error?: { message: string; code?: string };
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/*
 * The worker's code, run as a CommonJS script (`eval`), so the same code serves the compiled app and
 * the TypeScript test run. It opens its own connection to the database file (WAL lets the main
 * thread's connection keep reading) and writes every batch in one transaction.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 10000');
db.pragma('busy_timeout = 5000');
const statement = db.prepare(workerData.insertSql);
const insertAll = db.transaction((rows) => {
  for (const row of rows) {
    statement.run(row);
  }
});
const ROLLBACK = new Error('rollback');
const probe = db.transaction((row) => {
  statement.run(row);
  throw ROLLBACK;
});
parentPort.on('message', (request) => {
  if (request.close) {
    db.close();
    parentPort.postMessage({ id: request.id });
    return;
  }
  try {
    if (request.probe !== undefined) {
      try {
        probe(JSON.parse(request.probe));
      } catch (error) {
        if (error !== ROLLBACK) {
          throw error;
        }
      }
    } else {
      insertAll(JSON.parse(request.rows));
    }
    parentPort.postMessage({ id: request.id });
  } catch (error) {
    parentPort.postMessage({
      id: request.id,
      error: { message: String((error && error.message) || error), code: error && error.code },
    });
  }
});
`;

/**
 * Writes SQLite rows on a worker thread, so the request thread only hands over one JSON string per batch: the
 * row inserts, their index maintenance and the WAL writes (most of the audit cost per request) run
 * beside it. Batches are written in the order they are given, each in one transaction; `insert`
 * settles when its batch is committed (or rolled back, with the driver's error message).
 */
export class SqliteWriterThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failed: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly insertSql: string,
  ) {}

  insert(rows: readonly SqliteRowValues[]): Promise<void> {
    // Values are strings, finite numbers and nulls, which JSON carries exactly. Structured cloning
    // the nested arrays cost the request thread ~1.6 µs per row; stringify + one string copy ~0.5.
    return this.request({ id: this.nextId++, rows: JSON.stringify(rows) });
  }

  /** Inserts one row and rolls it back, on the writer's connection after the batches handed over before it. */
  probe(row: SqliteRowValues): Promise<void> {
    return this.request({ id: this.nextId++, probe: JSON.stringify(row) });
  }

  /** Waits for the batches already handed over, then closes the worker's connection and ends it. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) {
      return;
    }
    try {
      await this.request({ id: this.nextId++, close: true });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private request(message: WriterRequest): Promise<void> {
    const worker = this.started();
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) {
        // Keep the process alive while a write is outstanding, not while the writer is idle.
        worker.ref();
      }
      this.pending.set(message.id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  private started(): Worker {
    if (this.worker) {
      return this.worker;
    }
    this.failed = undefined;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: this.file,
        insertSql: this.insertSql,
      },
    });
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.settle(reply));
    worker.on('error', (error: Error) => {
      this.failed = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
      }
      // A writer that died takes its outstanding batches with it: they fail (and stay queued upstream).
      const reason = this.failed ?? new Error(`the SQLite writer thread exited (code ${code})`);
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(reason);
      }
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: WriterReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) {
      return;
    }
    this.pending.delete(reply.id);
    if (this.pending.size === 0) {
      this.worker?.unref();
    }
    if (reply.error) {
      const error = new Error(reply.error.message) as Error & { code?: string };
      if (reply.error.code !== undefined) {
        error.code = reply.error.code;
      }
      pending.reject(error);
    } else {
      pending.resolve();
    }
  }
}
