import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { StoreError, toStoreError } from './store-error.js';

/** Where a run stands. */
export type RunState = 'running' | 'finished' | 'interrupted' | 'stopped';

/** A run as stored. */
export interface RunRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly status: RunState;
  readonly statusReason: string | null;
  readonly configFile: string | null;
  /** The configuration, secrets removed. */
  readonly config: unknown;
  readonly toolVersion: string;
  readonly statistics: unknown;
}

/** A case of a run. */
export interface CaseRecord {
  readonly caseId: string;
  readonly position: number;
  readonly workflowId: string;
  readonly caseIndex: number;
  readonly repeatIndex: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | null;
  readonly reference: unknown;
}

/** What became of a case. */
export interface ResultRecord {
  readonly caseId: string;
  readonly workflowId: string;
  /** The executor's status: succeeded, failed, timeout, cancelled or error. */
  readonly status: string;
  /** Dify's own run status, when Dify answered. */
  readonly difyStatus: string | null;
  readonly outputs: unknown;
  readonly answer: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number;
  readonly queueMs: number | null;
  readonly durationMs: number | null;
  readonly totalMs: number | null;
  readonly difyElapsedMs: number | null;
  readonly tokens: number | null;
  readonly cost: number | null;
  readonly workflowRunId: string | null;
  readonly taskId: string | null;
  readonly nodes: unknown;
  readonly finishedAt: number;
  /** The graded verdict: Dify succeeded and the assertions passed (null: never graded). */
  readonly passed: boolean | null;
  /** The weighted assertion score, 0..1. */
  readonly score: number | null;
  /** excellent, good, fair or poor. */
  readonly gradeClass: string | null;
  /** Each assertion's grade: type, name, score, pass, weight, reason. */
  readonly grades: unknown;
}

/** A judge's cached verdict. */
export interface CachedJudgement {
  readonly model: string;
  readonly score: number;
  readonly reason: string;
}

type Row = Record<string, unknown>;

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function unjson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
}

function runRecord(row: Row): RunRecord {
  return {
    id: String(row.id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    status: row.status as RunState,
    statusReason: (row.status_reason as string | null) ?? null,
    configFile: (row.config_file as string | null) ?? null,
    config: unjson(row.config_json),
    toolVersion: String(row.tool_version),
    statistics: unjson(row.statistics_json),
  };
}

/**
 * The run store: runs, cases, results and events in one SQLite file (WAL), through
 * better-sqlite3. Each result is committed the moment it is saved, so a killed process loses at
 * most the cases in flight. The schema is migrated on open, version by version.
 */
export class RunStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #statements = new Map<string, Database.Statement>();

  readonly #readonly: boolean;

  private constructor(path: string, db: Database.Database, now: () => number, readonly: boolean) {
    this.path = path;
    this.#db = db;
    this.#now = now;
    this.#readonly = readonly;
  }

  /** A prepared statement, prepared once per store: preparing is most of a small write's cost. */
  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare(text);
      } catch (error) {
        throw toStoreError(error, this.path);
      }
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Opens (or creates) a run store and brings its schema up to date. Read-only, it only reads:
   * a store that a crash left mid-write (a journal or log only a writer can roll back or
   * recover) is first opened once for writing, which repairs it, then read.
   * @throws StoreError (`E_STORE_LOCKED`, `E_STORE_UNWRITABLE`, `E_STORE_CORRUPT`, …)
   */
  static open(
    path: string,
    options: { readonly now?: () => number; readonly readonly?: boolean } = {},
  ): RunStore {
    try {
      return RunStore.#connect(path, options);
    } catch (error) {
      if (!(options.readonly === true && error instanceof StoreError && leftMidWrite(error)))
        throw error;
      RunStore.#repair(path, error);
      return RunStore.#connect(path, options);
    }
  }

  static #connect(
    path: string,
    options: { readonly now?: () => number; readonly readonly?: boolean },
  ): RunStore {
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
      const store = new RunStore(path, db, options.now ?? Date.now, options.readonly === true);
      if (options.readonly !== true) store.#migrate();
      return store;
    } catch (error) {
      db?.close();
      throw toStoreError(error, path);
    }
  }

  /** Opens the store for writing and reads it, which rolls back or recovers what a crash left. */
  static #repair(path: string, found: StoreError): void {
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

  /** The schema version now applied. */
  get schemaVersion(): number {
    const row = this.#sql('SELECT MAX(version) AS version FROM schema_migrations').get() as
      Row | undefined;
    return Number(row?.version ?? 0);
  }

  #migrate(): void {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const current = this.schemaVersion;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      this.#db.transaction(() => {
        this.#db.exec(migration.sql);
        this.#sql(
          'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
        ).run(migration.version, migration.description, this.#now());
      })();
    }
  }

  #write<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, this.path);
    }
  }

  /** Records a new run. */
  createRun(run: {
    readonly id: string;
    readonly configFile: string | null;
    readonly config: unknown;
    readonly toolVersion: string;
  }): void {
    const now = this.#now();
    this.#write(() =>
      this.#sql(
        'INSERT INTO runs (id, created_at, updated_at, status, config_file, config_json, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        run.id,
        now,
        now,
        'running',
        run.configFile,
        JSON.stringify(run.config),
        run.toolVersion,
      ),
    );
  }

  /** Adds a run's cases, in one transaction; cases already there are kept as they are. */
  addCases(runId: string, cases: readonly CaseRecord[]): void {
    const insert = this.#sql(
      'INSERT OR IGNORE INTO cases (run_id, case_id, position, workflow_id, case_index, repeat_index, inputs_json, query, reference_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#write(() => {
      this.#db.transaction(() => {
        for (const c of cases) {
          insert.run(
            runId,
            c.caseId,
            c.position,
            c.workflowId,
            c.caseIndex,
            c.repeatIndex,
            JSON.stringify(c.inputs),
            c.query,
            json(c.reference),
          );
        }
      })();
    });
  }

  /** Saves (or replaces) a case's result, committed at once. */
  saveResult(runId: string, result: ResultRecord): void {
    this.#write(() => {
      this.#insertResult(runId, result);
    });
  }

  /** Saves results that ended together, in one commit. */
  saveResults(runId: string, results: readonly ResultRecord[]): void {
    this.#write(() => {
      this.#db.transaction(() => {
        for (const result of results) this.#insertResult(runId, result);
      })();
    });
  }

  #insertResult(runId: string, result: ResultRecord): void {
    this.#sql(
      `INSERT OR REPLACE INTO results (run_id, case_id, workflow_id, status, dify_status, outputs_json, answer, error_code, error_message,
             attempts, queue_ms, duration_ms, total_ms, dify_elapsed_ms, tokens, cost, workflow_run_id, task_id, nodes_json, finished_at,
             passed, score, grade_class, grades_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      result.caseId,
      result.workflowId,
      result.status,
      result.difyStatus,
      json(result.outputs),
      result.answer,
      result.errorCode,
      result.errorMessage,
      result.attempts,
      result.queueMs,
      result.durationMs,
      result.totalMs,
      result.difyElapsedMs,
      result.tokens,
      result.cost,
      result.workflowRunId,
      result.taskId,
      json(result.nodes),
      result.finishedAt,
      result.passed === null ? null : Number(result.passed),
      result.score,
      result.gradeClass,
      json(result.grades),
    );
  }

  /** Sets where a run stands, with the reason and its statistics when it ends. */
  setRunStatus(
    runId: string,
    status: RunState,
    details: { readonly reason?: string; readonly statistics?: unknown } = {},
  ): void {
    const now = this.#now();
    this.#write(() =>
      this.#sql(
        'UPDATE runs SET status = ?, status_reason = ?, statistics_json = COALESCE(?, statistics_json), updated_at = ?, finished_at = ? WHERE id = ?',
      ).run(
        status,
        details.reason ?? null,
        json(details.statistics),
        now,
        status === 'running' ? null : now,
        runId,
      ),
    );
  }

  /** Appends an event to a run's log. */
  addEvent(runId: string, kind: string, data?: unknown): void {
    this.#write(() =>
      this.#sql('INSERT INTO events (run_id, at, kind, data_json) VALUES (?, ?, ?, ?)').run(
        runId,
        this.#now(),
        kind,
        json(data),
      ),
    );
  }

  /** A run, or undefined. */
  getRun(id: string): RunRecord | undefined {
    const row = this.#sql('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : runRecord(row);
  }

  /** The latest runs first. */
  listRuns(limit = 50): RunRecord[] {
    return (
      this.#sql('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(
        limit,
      ) as Row[]
    ).map(runRecord);
  }

  /** A run's cases, in their order. */
  cases(runId: string): CaseRecord[] {
    return (
      this.#sql('SELECT * FROM cases WHERE run_id = ? ORDER BY position').all(runId) as Row[]
    ).map((row) => ({
      caseId: String(row.case_id),
      position: Number(row.position),
      workflowId: String(row.workflow_id),
      caseIndex: Number(row.case_index),
      repeatIndex: Number(row.repeat_index),
      inputs: unjson(row.inputs_json) as Record<string, unknown>,
      query: (row.query as string | null) ?? null,
      reference: unjson(row.reference_json),
    }));
  }

  /** A run's results, in case order, streamed row by row. */
  *results(runId: string): Generator<ResultRecord> {
    const rows = this.#sql(
      'SELECT r.* FROM results r JOIN cases c ON c.run_id = r.run_id AND c.case_id = r.case_id WHERE r.run_id = ? ORDER BY c.position',
    ).iterate(runId) as IterableIterator<Row>;
    for (const row of rows) {
      yield {
        caseId: String(row.case_id),
        workflowId: String(row.workflow_id),
        status: String(row.status),
        difyStatus: (row.dify_status as string | null) ?? null,
        outputs: unjson(row.outputs_json),
        answer: (row.answer as string | null) ?? null,
        errorCode: (row.error_code as string | null) ?? null,
        errorMessage: (row.error_message as string | null) ?? null,
        attempts: Number(row.attempts),
        queueMs: (row.queue_ms as number | null) ?? null,
        durationMs: (row.duration_ms as number | null) ?? null,
        totalMs: (row.total_ms as number | null) ?? null,
        difyElapsedMs: (row.dify_elapsed_ms as number | null) ?? null,
        tokens: (row.tokens as number | null) ?? null,
        cost: (row.cost as number | null) ?? null,
        workflowRunId: (row.workflow_run_id as string | null) ?? null,
        taskId: (row.task_id as string | null) ?? null,
        nodes: unjson(row.nodes_json),
        finishedAt: Number(row.finished_at),
        passed: row.passed === null ? null : Number(row.passed) === 1,
        score: (row.score as number | null) ?? null,
        gradeClass: (row.grade_class as string | null) ?? null,
        grades: unjson(row.grades_json),
      };
    }
  }

  /** Case ids of a run whose result has one of `statuses`. */
  caseIdsWithStatus(runId: string, statuses: readonly string[]): Set<string> {
    const marks = statuses.map(() => '?').join(', ');
    const rows = this.#sql(
      `SELECT case_id FROM results WHERE run_id = ? AND status IN (${marks})`,
    ).all(runId, ...statuses) as Row[];
    return new Set(rows.map((row) => String(row.case_id)));
  }

  /** How many cases a run has. */
  caseCount(runId: string): number {
    return Number(
      (this.#sql('SELECT COUNT(*) AS n FROM cases WHERE run_id = ?').get(runId) as Row).n,
    );
  }

  /** Per workflow: results, passed, tokens and cost, summed by SQLite. */
  totalsByWorkflow(
    runId: string,
  ): { workflowId: string; total: number; passed: number; tokens: number; cost: number }[] {
    const rows = this.#sql(
      "SELECT workflow_id, COUNT(*) AS total, SUM(COALESCE(passed, status = 'succeeded')) AS passed, COALESCE(SUM(tokens), 0) AS tokens, COALESCE(SUM(cost), 0) AS cost FROM results WHERE run_id = ? GROUP BY workflow_id ORDER BY MIN(rowid)",
    ).all(runId) as Row[];
    return rows.map((row) => ({
      workflowId: String(row.workflow_id),
      total: Number(row.total),
      passed: Number(row.passed),
      tokens: Number(row.tokens),
      cost: Number(row.cost),
    }));
  }

  /** Per status, how many results a run has. */
  countByStatus(runId: string): Record<string, number> {
    const rows = this.#sql(
      'SELECT status, COUNT(*) AS n FROM results WHERE run_id = ? GROUP BY status',
    ).all(runId) as Row[];
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  /** How many results of a run passed their grading (a result never graded passes on success). */
  passedCount(runId: string): number {
    return Number(
      (
        this.#sql(
          "SELECT COALESCE(SUM(COALESCE(passed, status = 'succeeded')), 0) AS n FROM results WHERE run_id = ?",
        ).get(runId) as Row
      ).n,
    );
  }

  /** The latest run of the same configuration file created before this one, if any. */
  previousRun(runId: string): RunRecord | undefined {
    const row = this.#sql(
      `SELECT p.* FROM runs p JOIN runs r ON r.id = ? WHERE p.config_file IS r.config_file AND p.id <> r.id
         AND (p.created_at < r.created_at OR (p.created_at = r.created_at AND p.rowid < r.rowid))
       ORDER BY p.created_at DESC, p.rowid DESC LIMIT 1`,
    ).get(runId) as Row | undefined;
    return row === undefined ? undefined : runRecord(row);
  }

  /** A judge's verdict cached under `key`, if any. */
  cachedJudgement(key: string): CachedJudgement | undefined {
    const row = this.#sql('SELECT model, score, reason FROM judge_cache WHERE key = ?').get(key) as
      Row | undefined;
    return row === undefined
      ? undefined
      : { model: String(row.model), score: Number(row.score), reason: String(row.reason) };
  }

  /** Caches a judge's verdict under `key`. */
  cacheJudgement(key: string, judgement: CachedJudgement): void {
    this.#write(() =>
      this.#sql(
        'INSERT OR REPLACE INTO judge_cache (key, model, score, reason, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(key, judgement.model, judgement.score, judgement.reason, this.#now()),
    );
  }

  /**
   * Closes the store. A store written to is left out of WAL mode, so the file alone (no `-wal`
   * or `-shm` beside it) can be read later, even from read-only media.
   */
  close(): void {
    if (!this.#readonly) {
      try {
        this.#db.pragma('journal_mode = DELETE');
      } catch {
        // Another process has it open: it stays in WAL mode, which is just as safe.
      }
    }
    this.#db.close();
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
