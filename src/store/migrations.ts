/** One step of the run store's schema; applied once, in order, in a transaction. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The run store's schema, versioned from the first table. Append; never edit a shipped step. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, cases, results and events',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        status_reason TEXT,
        config_file TEXT,
        config_json TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        statistics_json TEXT
      );
      CREATE TABLE cases (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        case_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        workflow_id TEXT NOT NULL,
        case_index INTEGER NOT NULL,
        repeat_index INTEGER NOT NULL,
        inputs_json TEXT NOT NULL,
        query TEXT,
        reference_json TEXT,
        PRIMARY KEY (run_id, case_id)
      );
      CREATE TABLE results (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        case_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        status TEXT NOT NULL,
        dify_status TEXT,
        outputs_json TEXT,
        answer TEXT,
        error_code TEXT,
        error_message TEXT,
        attempts INTEGER NOT NULL,
        queue_ms REAL,
        duration_ms REAL,
        total_ms REAL,
        dify_elapsed_ms REAL,
        tokens INTEGER,
        cost REAL,
        workflow_run_id TEXT,
        task_id TEXT,
        nodes_json TEXT,
        finished_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, case_id)
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        data_json TEXT
      );
      CREATE INDEX results_by_status ON results(run_id, status);
      CREATE INDEX events_by_run ON events(run_id, id);
    `,
  },
  {
    version: 2,
    description: 'grades of each result, and the judge cache',
    sql: `
      ALTER TABLE results ADD COLUMN passed INTEGER;
      ALTER TABLE results ADD COLUMN score REAL;
      ALTER TABLE results ADD COLUMN grade_class TEXT;
      ALTER TABLE results ADD COLUMN grades_json TEXT;
      CREATE TABLE judge_cache (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        score REAL NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX runs_by_config ON runs(config_file, created_at);
    `,
  },
  {
    version: 3,
    description:
      'results without the status index: a result is written once per case, read by status only on resume and at the end, where the primary key (run_id, case_id) narrows the scan to the run',
    sql: `
      DROP INDEX IF EXISTS results_by_status;
    `,
  },
  {
    version: 4,
    description:
      'prompt variants: the variant of each case and result, and the sandbox copies of apps a run made',
    sql: `
      ALTER TABLE cases ADD COLUMN prompt_variant TEXT;
      ALTER TABLE results ADD COLUMN prompt_variant TEXT;
      CREATE TABLE sandboxes (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        workflow_id TEXT NOT NULL,
        source_app_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER,
        PRIMARY KEY (run_id, workflow_id)
      );
    `,
  },
  {
    version: 5,
    description:
      "optimizations: each one (its run holds the evaluations' results) and its journal of evaluations, proposer replies and candidates, replayed on resume",
    sql: `
      CREATE TABLE optimizations (
        id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        workflow_id TEXT NOT NULL,
        strategy TEXT NOT NULL,
        status TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        result_json TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE optimization_steps (
        optimization_id TEXT NOT NULL REFERENCES optimizations(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data_json TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (optimization_id, kind, seq)
      );
    `,
  },
  {
    version: 6,
    description:
      'distributed runs: the worker that ran each result and how many times the queue handed its case out (null for a local run)',
    sql: `
      ALTER TABLE results ADD COLUMN worker TEXT;
      ALTER TABLE results ADD COLUMN deliveries INTEGER;
    `,
  },
];
