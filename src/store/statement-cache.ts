import type Database from 'better-sqlite3';
import { toStoreError } from './store-error.js';

/**
 * A connection's prepared statements, each prepared once: preparing is most of a small query's
 * cost. A statement SQLite refuses throws as a StoreError naming the store.
 */
export class StatementCache {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /** The statement of `text`, prepared the first time. */
  get(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare(text);
      } catch (error) {
        throw toStoreError(error, this.#path);
      }
      this.#statements.set(text, statement);
    }
    return statement;
  }
}
