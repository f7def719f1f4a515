import type Database from 'better-sqlite3';
import { openDatabase, schemaVersionOf } from './open-database.js';
import { pairingSql, type PairingSide } from './pairing-query.js';
import { resultsPageSql, type ResultsQuery } from './results-query.js';
import { resultOf, unjson, type ResultRecord, type Row } from './result-rows.js';
import { StatementCache } from './statement-cache.js';
import { StoreError } from './store-error.js';

/** A run's row with its counts: cases, workflows and variants, results, passed, tokens, cost. */
const LISTING = `
  SELECT r.*, o.id IS NOT NULL AS optimization,
    (SELECT COUNT(*) FROM cases AS c WHERE c.run_id = r.id) AS cases,
    (SELECT group_concat(w, ',') FROM (SELECT DISTINCT workflow_id AS w FROM result_index
      WHERE run_id = r.id)) AS workflows,
    (SELECT group_concat(v, ',') FROM (SELECT DISTINCT variant AS v FROM result_index
      WHERE run_id = r.id AND variant IS NOT NULL)) AS variants,
    x.results, x.passed, x.tokens, x.cost
  FROM runs AS r
  LEFT JOIN optimizations AS o ON o.id = r.id
  LEFT JOIN (SELECT run_id, COUNT(*) AS results, SUM(passed) AS passed, SUM(tokens) AS tokens,
      SUM(cost) AS cost FROM result_index INDEXED BY result_index_cover
      WHERE status != 'cancelled' GROUP BY run_id) AS x ON x.run_id = r.id`;

/** The schema version the reader's queries need (migration 7: the narrow result tables). */
export const READER_SCHEMA = 7;

/** A run as the runs list shows it. */
export interface RunListing {
  readonly id: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly status: string;
  readonly statusReason: string | null;
  readonly configFile: string | null;
  readonly toolVersion: string;
  readonly workflows: readonly string[];
  readonly variants: readonly string[];
  readonly cases: number;
  readonly results: number;
  readonly passed: number;
  readonly tokens: number;
  readonly cost: number;
  readonly optimization: boolean;
}

/** One row of a results page: the narrow columns and the start of the case's output. */
export interface ResultRow {
  readonly caseId: string;
  readonly position: number;
  readonly workflowId: string;
  readonly variant: string | null;
  readonly status: string;
  readonly passed: boolean;
  readonly score: number | null;
  readonly durationMs: number | null;
  readonly tokens: number | null;
  readonly cost: number | null;
  readonly attempts: number;
  readonly errorCode: string | null;
  readonly worker: string | null;
  readonly preview: string;
}

/** A pair of results whose verdict flipped. */
export interface Flipped {
  readonly workflowId: string;
  readonly a: { readonly caseId: string; readonly passed: boolean };
  readonly b: { readonly caseId: string; readonly passed: boolean };
}

/** Two sides paired: see {@link StoreReader.pairing}. */
export interface Pairing {
  readonly a: { readonly passed: number; readonly ended: number };
  readonly b: { readonly passed: number; readonly ended: number };
  readonly paired: number;
  readonly regressed: number;
  readonly improved: number;
  readonly regressedPairs: readonly Flipped[];
  readonly improvedPairs: readonly Flipped[];
}

const num = (value: unknown): number => Number(value ?? 0);
const list = (value: unknown): string[] =>
  typeof value === 'string' && value !== '' ? value.split(',') : [];

/**
 * The store as the viewer reads it: opened read-only (a run that is writing keeps writing), its
 * queries served from the narrow, indexed result tables (migration 7), so a page of a
 * 100,000-case run is an index walk, not a scan of the results.
 */
export class StoreReader {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #statements: StatementCache;
  readonly #cache = new Map<string, unknown>();
  #version = -1;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#statements = new StatementCache(db, path);
  }

  /**
   * Opens a store read-only (repairing one a crash left mid-write, as RunStore does).
   * @throws StoreError; `E_STORE_OUTDATED` when the store predates the viewer's tables.
   */
  static open(path: string): StoreReader {
    const db = openDatabase(path, { readonly: true });
    const version = schemaVersionOf(db);
    if (version < READER_SCHEMA) {
      db.close();
      throw new StoreError(
        'E_STORE_OUTDATED',
        `has schema ${String(version)}; the viewer needs ${String(READER_SCHEMA)}, which a writer adds the next time it opens the store`,
        path,
      );
    }
    return new StoreReader(path, db);
  }

  #all(text: string, ...params: unknown[]): Row[] {
    return this.#statements.get(text).all(...params) as Row[];
  }

  #get(text: string, ...params: unknown[]): Row | undefined {
    return this.#statements.get(text).get(...params) as Row | undefined;
  }

  /** SQLite's data_version: changes whenever another connection commits to the file. */
  dataVersion(): number {
    return Number(this.#db.pragma('data_version', { simple: true }));
  }

  /**
   * `compute`'s value, computed once per version of the store's data (kept under `key`): a
   * finished run's summary is read once, a running one's again after each write.
   */
  perVersion<T>(key: string, compute: () => T): T {
    const version = this.dataVersion();
    if (version !== this.#version) {
      this.#cache.clear();
      this.#version = version;
    }
    if (!this.#cache.has(key)) this.#cache.set(key, compute());
    return this.#cache.get(key) as T;
  }

  /** Every run, newest first, with its counts. */
  runs(): RunListing[] {
    return this.perVersion('runs', () =>
      this.#all(`${LISTING} ORDER BY r.created_at DESC, r.rowid DESC`).map((row) =>
        this.#listing(row),
      ),
    );
  }

  /** One run with its counts, or undefined. */
  run(id: string): RunListing | undefined {
    return this.perVersion(`run:${id}`, () => {
      const row = this.#get(`${LISTING} WHERE r.id = ?`, id);
      return row === undefined ? undefined : this.#listing(row);
    });
  }

  #listing(row: Row): RunListing {
    return {
      id: String(row.id),
      createdAt: num(row.created_at),
      updatedAt: num(row.updated_at),
      finishedAt: row.finished_at === null ? null : num(row.finished_at),
      status: String(row.status),
      statusReason: (row.status_reason as string | null) ?? null,
      configFile: (row.config_file as string | null) ?? null,
      toolVersion: String(row.tool_version),
      workflows: list(row.workflows),
      variants: list(row.variants),
      cases: num(row.cases),
      results: num(row.results),
      passed: num(row.passed),
      tokens: num(row.tokens),
      cost: num(row.cost),
      optimization: num(row.optimization) === 1,
    };
  }

  /** A run's results by workflow and variant: cases ended, passed, tokens, cost. */
  groups(runId: string): Row[] {
    return this.#all(
      `SELECT workflow_id AS workflowId, variant, COUNT(*) AS ended, SUM(passed) AS passed,
        SUM(tokens) AS tokens, SUM(cost) AS cost, AVG(duration_ms) AS meanMs
      FROM result_index INDEXED BY result_index_cover WHERE run_id = ? AND status != 'cancelled'
      GROUP BY workflow_id, variant ORDER BY workflow_id, variant`,
      runId,
    );
  }

  /** A run's results by status. */
  statuses(runId: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.#all(
      'SELECT status, COUNT(*) AS n FROM result_index WHERE run_id = ? GROUP BY status',
      runId,
    ))
      counts[String(row.status)] = num(row.n);
    return counts;
  }

  /** Each assertion over the run: graded, passed, mean score, grading errors. */
  assertions(runId: string): Row[] {
    return this.#all(
      // By name alone (an assertion's name is its type's when it has none): the index's order.
      `SELECT name, MIN(type) AS type, COUNT(*) AS graded, SUM(pass) AS passed,
        AVG(score) AS meanScore, SUM(error) AS errors
      FROM result_grades INDEXED BY result_grades_by_name WHERE run_id = ? GROUP BY name`,
      runId,
    );
  }

  /**
   * The answered latencies (ms), read off the duration index in order (one number each, the
   * quickest of the ways tried on a 100,000-result run): their percentiles `ps` (nearest rank)
   * and a histogram of `buckets` equal bins up to the slowest.
   */
  latency(
    runId: string,
    ps: readonly number[],
    buckets: number,
  ): { percentiles: Record<string, number>; histogram: { width: number; counts: number[] } } {
    const sorted = this.#statements
      .get(
        'SELECT duration_ms FROM result_index WHERE run_id = ? AND duration_ms IS NOT NULL ORDER BY duration_ms',
      )
      .pluck()
      .all(runId) as number[];
    const percentiles: Record<string, number> = {};
    const counts = Array.from({ length: buckets }, () => 0);
    const n = sorted.length;
    if (n === 0) return { percentiles, histogram: { width: 1, counts } };
    for (const p of ps)
      percentiles[`p${String(p)}`] =
        sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] ?? 0;
    const max = sorted[n - 1] ?? 0;
    const width = max <= 0 ? 1 : max / buckets;
    for (const ms of sorted) {
      const bin = Math.min(buckets - 1, Math.floor(ms / width));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return { percentiles, histogram: { width, counts } };
  }

  /** One page of a run's results, filtered and sorted, with how many match. */
  results(runId: string, query: ResultsQuery): { total: number; rows: ResultRow[] } {
    const { count, page, params } = resultsPageSql(runId, query);
    // How many match is counted once per filter and version: paging and sorting reuse it.
    const total = this.perVersion(`count:${JSON.stringify(params)}`, () =>
      num(this.#get(count, ...params)?.n),
    );
    const rows = this.#all(page, ...params, query.limit, query.offset).map(resultRow);
    return { total, rows };
  }

  /** A case's whole record: its inputs, reference and result, or undefined. */
  caseDetail(
    runId: string,
    caseId: string,
  ):
    | {
        readonly inputs: unknown;
        readonly query: string | null;
        readonly reference: unknown;
        readonly position: number;
        readonly result: ResultRecord | undefined;
      }
    | undefined {
    const row = this.#get('SELECT * FROM cases WHERE run_id = ? AND case_id = ?', runId, caseId);
    if (row === undefined) return undefined;
    const result = this.#get(
      'SELECT * FROM results WHERE run_id = ? AND case_id = ?',
      runId,
      caseId,
    );
    return {
      inputs: unjson(row.inputs_json),
      query: (row.query as string | null) ?? null,
      reference: unjson(row.reference_json),
      position: num(row.position),
      result: result === undefined ? undefined : resultOf(result),
    };
  }

  /**
   * Two sides paired case by case (same workflow, case and repeat): each side's passed and
   * ended, the pairs, how many regressed and improved, and the first `limit` flips each way;
   * counted in SQLite off the covering index, never a row per case in memory.
   */
  pairing(a: PairingSide, b: PairingSide, limit: number): Pairing {
    const { counts, flips, params } = pairingSql(a, b);
    const row = this.#get(counts, params) ?? {};
    const flipped = (from: number, to: number): Flipped[] =>
      this.#all(flips, { ...params, from, to, limit }).map((f) => ({
        workflowId: String(f.workflowId),
        a: { caseId: String(f.aCase), passed: num(f.aPassed) === 1 },
        b: { caseId: String(f.bCase), passed: num(f.bPassed) === 1 },
      }));
    return {
      a: { passed: num(row.aPassed), ended: num(row.aEnded) },
      b: { passed: num(row.bPassed), ended: num(row.bEnded) },
      paired: num(row.paired),
      regressed: num(row.regressed),
      improved: num(row.improved),
      regressedPairs: flipped(1, 0),
      improvedPairs: flipped(0, 1),
    };
  }

  /** The answer a case gave (its answer, else its outputs, else its error). */
  output(runId: string, caseId: string): unknown {
    const row = this.#get(
      'SELECT answer, outputs_json, error_message FROM results WHERE run_id = ? AND case_id = ?',
      runId,
      caseId,
    );
    return row?.answer ?? unjson(row?.outputs_json) ?? row?.error_message ?? null;
  }

  /** An optimization: its record and its journal, or undefined. */
  optimization(id: string):
    | {
        readonly record: Row;
        readonly settings: unknown;
        readonly result: unknown;
        readonly steps: Readonly<Record<string, unknown[]>>;
      }
    | undefined {
    const record = this.#get('SELECT * FROM optimizations WHERE id = ?', id);
    if (record === undefined) return undefined;
    const steps: Record<string, unknown[]> = {};
    for (const row of this.#all(
      'SELECT kind, data_json FROM optimization_steps WHERE optimization_id = ? ORDER BY kind, seq',
      id,
    ))
      (steps[String(row.kind)] ??= []).push(unjson(row.data_json));
    return {
      record,
      settings: unjson(record.settings_json),
      result: unjson(record.result_json),
      steps,
    };
  }

  close(): void {
    this.#db.close();
  }
}

function resultRow(row: Row): ResultRow {
  return {
    caseId: String(row.case_id),
    position: num(row.position),
    workflowId: String(row.workflow_id),
    variant: (row.variant as string | null) ?? null,
    status: String(row.status),
    passed: num(row.passed) === 1,
    score: (row.score as number | null) ?? null,
    durationMs: (row.duration_ms as number | null) ?? null,
    tokens: (row.tokens as number | null) ?? null,
    cost: (row.cost as number | null) ?? null,
    attempts: num(row.attempts),
    errorCode: (row.error_code as string | null) ?? null,
    worker: (row.worker as string | null) ?? null,
    preview: typeof row.preview === 'string' ? row.preview : '',
  };
}
