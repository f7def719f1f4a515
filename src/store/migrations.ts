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
  {
    version: 7,
    description:
      "the viewer's narrow, indexed copy of each result (result_index), its grades (result_grades) and its searchable text (result_text, trigram), kept by triggers as results are written",
    sql: `
      CREATE TABLE result_index (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        case_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        workflow_id TEXT NOT NULL,
        variant TEXT,
        status TEXT NOT NULL,
        passed INTEGER NOT NULL,
        score REAL,
        duration_ms REAL,
        tokens REAL,
        cost REAL,
        attempts INTEGER NOT NULL,
        error_code TEXT,
        worker TEXT,
        case_index INTEGER NOT NULL,
        repeat_index INTEGER NOT NULL,
        UNIQUE (run_id, case_id)
      );
      CREATE INDEX result_index_by_position ON result_index(run_id, position);
      CREATE INDEX result_index_by_status ON result_index(run_id, status, position);
      CREATE INDEX result_index_by_passed ON result_index(run_id, passed, position);
      CREATE INDEX result_index_by_workflow ON result_index(run_id, workflow_id, variant, position);
      CREATE INDEX result_index_by_duration ON result_index(run_id, duration_ms);
      CREATE INDEX result_index_by_tokens ON result_index(run_id, tokens);
      CREATE INDEX result_index_by_cost ON result_index(run_id, cost);
      CREATE INDEX result_index_by_score ON result_index(run_id, score);
      CREATE INDEX result_index_cover ON result_index(run_id, workflow_id, variant, case_index,
        repeat_index, status, passed, tokens, cost, duration_ms, case_id);
      CREATE TABLE result_grades (
        result_id INTEGER NOT NULL REFERENCES result_index(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        pass INTEGER NOT NULL,
        score REAL,
        error INTEGER NOT NULL
      );
      CREATE INDEX result_grades_by_name ON result_grades(run_id, name, pass, result_id, type, error, score);
      CREATE INDEX result_grades_by_result ON result_grades(result_id);
      CREATE VIRTUAL TABLE result_text USING fts5(text, tokenize = 'trigram');
      CREATE TRIGGER result_index_gone AFTER DELETE ON result_index BEGIN
        DELETE FROM result_text WHERE rowid = OLD.id;
      END;
      CREATE TRIGGER result_written AFTER INSERT ON results BEGIN
        DELETE FROM result_index WHERE run_id = NEW.run_id AND case_id = NEW.case_id;
        INSERT INTO result_index (run_id, case_id, position, workflow_id, variant, status, passed,
          score, duration_ms, tokens, cost, attempts, error_code, worker, case_index, repeat_index)
        SELECT NEW.run_id, NEW.case_id, COALESCE(c.position, 0), NEW.workflow_id, NEW.prompt_variant,
          NEW.status, COALESCE(NEW.passed, NEW.status = 'succeeded'), NEW.score,
          CASE WHEN NEW.dify_status IS NULL THEN NULL ELSE NEW.duration_ms END,
          NEW.tokens, NEW.cost, NEW.attempts, NEW.error_code, NEW.worker,
          COALESCE(c.case_index, 0), COALESCE(c.repeat_index, 0)
        FROM (SELECT 1) LEFT JOIN cases AS c ON c.run_id = NEW.run_id AND c.case_id = NEW.case_id;
        INSERT INTO result_grades (result_id, run_id, name, type, pass, score, error)
          SELECT (SELECT id FROM result_index WHERE run_id = NEW.run_id AND case_id = NEW.case_id),
            NEW.run_id, COALESCE(json_extract(g.value, '$.name'), json_extract(g.value, '$.type'), '?'),
            COALESCE(json_extract(g.value, '$.type'), '?'), COALESCE(json_extract(g.value, '$.pass'), 0),
            json_extract(g.value, '$.score'), json_extract(g.value, '$.errorCode') IS NOT NULL
          FROM json_each(CASE WHEN json_valid(NEW.grades_json) THEN NEW.grades_json ELSE '[]' END) AS g;
        INSERT INTO result_text (rowid, text)
          SELECT id, concat_ws(' ',
            (SELECT inputs_json FROM cases WHERE run_id = NEW.run_id AND case_id = NEW.case_id),
            (SELECT query FROM cases WHERE run_id = NEW.run_id AND case_id = NEW.case_id),
            NEW.answer, NEW.outputs_json, NEW.error_message)
          FROM result_index WHERE run_id = NEW.run_id AND case_id = NEW.case_id;
      END;
      INSERT INTO result_index (run_id, case_id, position, workflow_id, variant, status, passed,
        score, duration_ms, tokens, cost, attempts, error_code, worker, case_index, repeat_index)
      SELECT r.run_id, r.case_id, COALESCE(c.position, 0), r.workflow_id, r.prompt_variant,
        r.status, COALESCE(r.passed, r.status = 'succeeded'), r.score,
        CASE WHEN r.dify_status IS NULL THEN NULL ELSE r.duration_ms END,
        r.tokens, r.cost, r.attempts, r.error_code, r.worker,
        COALESCE(c.case_index, 0), COALESCE(c.repeat_index, 0)
      FROM results AS r LEFT JOIN cases AS c ON c.run_id = r.run_id AND c.case_id = r.case_id;
      INSERT INTO result_grades (result_id, run_id, name, type, pass, score, error)
        SELECT i.id, i.run_id, COALESCE(json_extract(g.value, '$.name'), json_extract(g.value, '$.type'), '?'),
          COALESCE(json_extract(g.value, '$.type'), '?'),
          COALESCE(json_extract(g.value, '$.pass'), 0), json_extract(g.value, '$.score'),
          json_extract(g.value, '$.errorCode') IS NOT NULL
        FROM result_index AS i JOIN results AS r ON r.run_id = i.run_id AND r.case_id = i.case_id,
          json_each(CASE WHEN json_valid(r.grades_json) THEN r.grades_json ELSE '[]' END) AS g;
      INSERT INTO result_text (rowid, text)
        SELECT i.id, concat_ws(' ', c.inputs_json, c.query, r.answer, r.outputs_json, r.error_message)
        FROM result_index AS i JOIN results AS r ON r.run_id = i.run_id AND r.case_id = i.case_id
          LEFT JOIN cases AS c ON c.run_id = i.run_id AND c.case_id = i.case_id;
    `,
  },
];
