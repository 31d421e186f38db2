import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteWriterThread } from './sqlite-writer-thread.js';

describe(SqliteWriterThread.name, () => {
  let dir: string;
  let file: string;
  let reader: Database.Database;
  let writer: SqliteWriterThread;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-writer-'));
    file = join(dir, 'w.db');
    reader = new Database(file);
    reader.pragma('journal_mode = WAL');
    reader.exec('create table t (id text primary key, n integer)');
    writer = new SqliteWriterThread(file, 'insert into t (id, n) values (?, ?)');
  });

  afterEach(async () => {
    await writer.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (): unknown[] => reader.prepare('select id from t order by n').pluck().all();

  it('commits each batch before its insert settles, in the order the batches were given', async () => {
    const first = writer.insert([
      ['a', 1],
      ['b', 2],
    ]);
    const second = writer.insert([['c', 3]]);
    await first;
    expect(ids()).toEqual(expect.arrayContaining(['a', 'b']));
    await second;
    expect(ids()).toEqual(['a', 'b', 'c']);
  });

  it('stores every value exactly as given: fractions, nulls, quotes and non-ASCII text', async () => {
    reader.exec('create table v (s text, r real, z text)');
    const values = new SqliteWriterThread(file, 'insert into v (s, r, z) values (?, ?, ?)');
    const rows = [
      ['he said "ok" \\ \u2028 \u00e9\u6f22\ud83d\ude00', 0.1 + 0.2, null],
      ['', 1234.5678901234567, 'x'],
    ];
    try {
      await values.insert(rows);
    } finally {
      await values.close();
    }
    expect(reader.prepare('select s, r, z from v order by rowid').raw().all()).toEqual(rows);
  });

  it('rolls a failing batch back as a whole with the driver error, and keeps writing later batches', async () => {
    await writer.insert([['a', 1]]);
    await expect(
      writer.insert([
        ['b', 2],
        ['a', 3],
      ]),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(ids()).toEqual(['a']);
    await writer.insert([['d', 4]]);
    expect(ids()).toEqual(['a', 'd']);
  });

  it('fails the batch when the database cannot be opened, and starts afresh on the next insert', async () => {
    const broken = new SqliteWriterThread(join(dir, 'missing', 'nested', 'x.db'), 'insert into t values (?)');
    try {
      await expect(broken.insert([['x']])).rejects.toThrow();
    } finally {
      await broken.close();
    }
  });

  it('closes after the batches already handed over are written', async () => {
    const pending = writer.insert([['z', 9]]);
    await writer.close();
    await pending;
    expect(ids()).toEqual(['z']);
  });
});
