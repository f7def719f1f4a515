import type { ReportWriter } from './report-writer.js';

/** JSONL: one result per line, in case order (`run -o` streams the same lines as cases end). */
export const jsonlReport: ReportWriter = {
  render: (report) => report.results.map((result) => `${JSON.stringify(result)}\n`).join(''),
};
