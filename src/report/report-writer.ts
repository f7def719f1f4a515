import type { RunReport } from './run-report.js';

/** The report formats, by the name `output.formats` and `--format` use. */
export type ReportFormat = 'json' | 'jsonl' | 'csv' | 'xlsx' | 'html' | 'junit';

/** A report format: renders a run's report to a file's bytes. */
export interface ReportWriter {
  render(report: RunReport): Promise<string | Buffer> | string | Buffer;
}

/** A report format in the registry: the file extensions that choose it, and its writer. */
export interface ReportFormatEntry {
  /** Lower case, with the dot. */
  readonly extensions: readonly string[];
  /** Loads the writer (only when the format is asked for: some pull in large packages). */
  readonly load: () => Promise<ReportWriter>;
}
