import Database from 'better-sqlite3';

/**
 * Runs SQL on a SQLite database file from a connection of its own (a test tampering with stored
 * events, or installing a trigger), waiting up to 5 s for the gateway's writer to let go of the lock.
 */
export function execSqliteFile(file: string, statement: string): Promise<void> {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.exec(statement);
  } finally {
    db.close();
  }
  return Promise.resolve();
}
