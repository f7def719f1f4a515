import type Database from 'better-sqlite3';
import { openDatabase, schemaVersionOf, type OpenOptions } from './open-database.js';
import {
  INSERT_RESULT,
  json,
  resultOf,
  resultValues,
  unjson,
  type ResultRecord,
  type Row,
} from './result-rows.js';
import { toStoreError } from './store-error.js';
import { StatementCache } from './statement-cache.js';

export type { ResultRecord } from './result-rows.js';

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
  /** The prompt variant it runs with (null: the app as it is). */
  readonly variant: string | null;
  readonly caseIndex: number;
  readonly repeatIndex: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | null;
  readonly reference: unknown;
}

/** A sandbox copy of an app that a run made, to be deleted when it is done with it. */
export interface SandboxRecord {
  readonly runId: string;
  readonly workflowId: string;
  /** The user's app it copies (only read). */
  readonly sourceAppId: string;
  /** The copy's id. */
  readonly appId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly deletedAt: number | null;
}

/** An optimization as the store keeps it. */
export interface OptimizationRecord {
  readonly id: string;
  readonly workflowId: string;
  readonly strategy: string;
  /** running, finished, interrupted or failed. */
  readonly status: string;
  readonly settings: unknown;
  readonly result: unknown;
}

/** A judge's cached verdict. */
export interface CachedJudgement {
  readonly model: string;
  readonly score: number;
  readonly reason: string;
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
  readonly #statements: StatementCache;

  readonly #readonly: boolean;

  private constructor(path: string, db: Database.Database, now: () => number, readonly: boolean) {
    this.path = path;
    this.#db = db;
    this.#now = now;
    this.#readonly = readonly;
    this.#statements = new StatementCache(db, path);
  }

  /** A prepared statement, prepared once per store: preparing is most of a small write's cost. */
  #sql(text: string): Database.Statement {
    return this.#statements.get(text);
  }

  /**
   * Opens (or creates) a run store and brings its schema up to date. Read-only, it only reads:
   * a store that a crash left mid-write is first opened once for writing, which repairs it.
   * @throws StoreError (`E_STORE_LOCKED`, `E_STORE_UNWRITABLE`, `E_STORE_CORRUPT`, …)
   */
  static open(path: string, options: OpenOptions = {}): RunStore {
    return new RunStore(
      path,
      openDatabase(path, options),
      options.now ?? Date.now,
      options.readonly === true,
    );
  }

  /** The schema version now applied. */
  get schemaVersion(): number {
    return schemaVersionOf(this.#db);
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

  /**
   * Adds a run's cases, in one transaction; cases already there are kept as they are. Taken one
   * at a time from `cases`, so a large run need not build all its records at once.
   */
  addCases(runId: string, cases: Iterable<CaseRecord>): void {
    const insert = this.#sql(
      'INSERT OR IGNORE INTO cases (run_id, case_id, position, workflow_id, prompt_variant, case_index, repeat_index, inputs_json, query, reference_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#write(() => {
      this.#db.transaction(() => {
        for (const c of cases) {
          insert.run(
            runId,
            c.caseId,
            c.position,
            c.workflowId,
            c.variant,
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
    this.#sql(INSERT_RESULT).run(...resultValues(runId, result));
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
      variant: (row.prompt_variant as string | null) ?? null,
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
    for (const row of rows) yield resultOf(row);
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

  /** Deletes a run and all it holds (cases, results, events, sandboxes, its optimization). */
  deleteRun(runId: string): boolean {
    return this.#write(() => this.#sql('DELETE FROM runs WHERE id = ?').run(runId).changes > 0);
  }

  /** Records the sandbox copy a run made of a workflow's app. */
  recordSandbox(sandbox: Omit<SandboxRecord, 'createdAt' | 'deletedAt'>): void {
    this.#write(() =>
      this.#sql(
        'INSERT OR REPLACE INTO sandboxes (run_id, workflow_id, source_app_id, app_id, name, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, NULL)',
      ).run(
        sandbox.runId,
        sandbox.workflowId,
        sandbox.sourceAppId,
        sandbox.appId,
        sandbox.name,
        this.#now(),
      ),
    );
  }

  /** Marks a run's sandbox of a workflow deleted. */
  markSandboxDeleted(runId: string, workflowId: string): void {
    this.#write(() =>
      this.#sql('UPDATE sandboxes SET deleted_at = ? WHERE run_id = ? AND workflow_id = ?').run(
        this.#now(),
        runId,
        workflowId,
      ),
    );
  }

  /** A run's sandboxes, deleted or not. */
  sandboxes(runId: string): SandboxRecord[] {
    return (
      this.#sql('SELECT * FROM sandboxes WHERE run_id = ? ORDER BY created_at').all(runId) as Row[]
    ).map((row) => ({
      runId: String(row.run_id),
      workflowId: String(row.workflow_id),
      sourceAppId: String(row.source_app_id),
      appId: String(row.app_id),
      name: String(row.name),
      createdAt: Number(row.created_at),
      deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    }));
  }

  /** Records an optimization; its run (same id) holds its evaluations' results. */
  createOptimization(o: Omit<OptimizationRecord, 'status' | 'result'>): void {
    const now = this.#now();
    this.#write(() =>
      this.#sql(
        'INSERT INTO optimizations (id, workflow_id, strategy, status, settings_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(o.id, o.workflowId, o.strategy, 'running', JSON.stringify(o.settings), now, now),
    );
  }

  /** An optimization, or undefined. */
  getOptimization(id: string): OptimizationRecord | undefined {
    const row = this.#sql('SELECT * FROM optimizations WHERE id = ?').get(id) as Row | undefined;
    if (row === undefined) return undefined;
    return {
      id: String(row.id),
      workflowId: String(row.workflow_id),
      strategy: String(row.strategy),
      status: String(row.status),
      settings: unjson(row.settings_json),
      result: unjson(row.result_json),
    };
  }

  /** Sets where an optimization stands, with its result once it ends. */
  setOptimizationStatus(id: string, status: string, result?: unknown): void {
    this.#write(() =>
      this.#sql(
        'UPDATE optimizations SET status = ?, result_json = COALESCE(?, result_json), updated_at = ? WHERE id = ?',
      ).run(status, json(result), this.#now(), id),
    );
  }

  /** Journals one step of an optimization (an evaluation, a reply, a candidate), committed. */
  addOptimizationStep(id: string, kind: string, seq: number, data: unknown): void {
    this.#write(() =>
      this.#sql(
        'INSERT OR REPLACE INTO optimization_steps (optimization_id, kind, seq, data_json, at) VALUES (?, ?, ?, ?, ?)',
      ).run(id, kind, seq, JSON.stringify(data), this.#now()),
    );
  }

  /** An optimization's journalled steps of one kind, in order. */
  optimizationSteps(id: string, kind: string): unknown[] {
    return (
      this.#sql(
        'SELECT data_json FROM optimization_steps WHERE optimization_id = ? AND kind = ? ORDER BY seq',
      ).all(id, kind) as Row[]
    ).map((row) => unjson(row.data_json));
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
