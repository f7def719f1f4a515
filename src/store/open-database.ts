import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { StoreError, toStoreError } from './store-error.js';

/** How to open a store's file. */
export interface OpenOptions {
  readonly now?: () => number;
  readonly readonly?: boolean;
}

/**
 * Opens (or creates) a store's SQLite file and brings its schema up to date. Read-only, it only
 * reads: a file that a crash left mid-write (a journal or log only a writer can roll back or
 * recover) is first opened once for writing, which repairs it, then read.
 * @throws StoreError (`E_STORE_LOCKED`, `E_STORE_UNWRITABLE`, `E_STORE_CORRUPT`, …)
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  try {
    return connect(path, options);
  } catch (error) {
    if (!(options.readonly === true && error instanceof StoreError && leftMidWrite(error)))
      throw error;
    repair(path, error);
    return connect(path, options);
  }
}

function connect(path: string, options: OpenOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:' && options.readonly !== true)
      mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
      timeout: 5000,
      ...nativeBinding(),
    });
    if (options.readonly !== true) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A checkpoint syncs the file: every 10,000 pages (~40 MB of log) instead of SQLite's
      // 1,000 halves what a run's commits cost; closing checkpoints what is left.
      db.pragma('wal_autocheckpoint = 10000');
    }
    db.pragma('foreign_keys = ON');
    // Reads the schema now, so a file that cannot be read fails here, as a StoreError.
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    if (options.readonly !== true) migrate(db, options.now ?? Date.now);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error, path);
  }
}

/** The schema version a store's file has. */
export function schemaVersionOf(db: Database.Database): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
    { version?: unknown } | undefined;
  return Number(row?.version ?? 0);
}

function migrate(db: Database.Database, now: () => number): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const current = schemaVersionOf(db);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(
        'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
      ).run(migration.version, migration.description, now());
    })();
  }
}

/** Opens the store for writing and reads it, which rolls back or recovers what a crash left. */
function repair(path: string, found: StoreError): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 5000, ...nativeBinding() });
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
  } catch (error) {
    throw new StoreError(
      'E_STORE_UNWRITABLE',
      `was left mid-write by a crash and only a writer can repair it, but it cannot be opened for writing (${(error as Error).message}); copy it with the files beside it (its -journal or -wal) somewhere writable and read the copy`,
      path,
      { cause: found },
    );
  } finally {
    db?.close();
  }
}

/**
 * SQLite's answer to a read-only connection that finds a hot journal, or a log it may not
 * recover: what a process killed mid-write leaves until a writer opens the file.
 */
function leftMidWrite(error: StoreError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return (
    code === 'SQLITE_READONLY_ROLLBACK' ||
    code === 'SQLITE_READONLY_RECOVERY' ||
    code === 'SQLITE_READONLY_CANTINIT'
  );
}

let addon: { readonly nativeBinding?: string } | undefined;

/**
 * Where better-sqlite3's compiled addon is, when it was built in its usual place: given as
 * `nativeBinding`, it skips the search the `bindings` package makes (~10 ms of each start).
 * Anywhere else, better-sqlite3 looks for it as it always does.
 */
function nativeBinding(): { readonly nativeBinding?: string } {
  if (addon === undefined) {
    try {
      addon = {
        nativeBinding: createRequire(import.meta.url).resolve(
          'better-sqlite3/build/Release/better_sqlite3.node',
        ),
      };
    } catch {
      addon = {};
    }
  }
  return addon;
}
