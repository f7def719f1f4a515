import type { RunReport } from './run-report.js';

/** The report formats, by the name `output.formats` and `--format` use. */
export type ReportFormat = 'json' | 'jsonl' | 'csv' | 'xlsx' | 'html' | 'junit';

/** A report format: renders a run's report to a file's bytes. */
export interface ReportWriter {
  /** File extensions that choose this format, lower case, with the dot. */
  readonly extensions: readonly string[];
  render(report: RunReport): Promise<string | Buffer> | string | Buffer;
}
