import type { ReportWriter } from './report-writer.js';
import type { RunReport } from './run-report.js';

/** The run, its statistics, its comparison and every result with its case, as one object. */
export function reportDocument(report: RunReport): Record<string, unknown> {
  const byId = new Map(report.cases.map((c) => [c.caseId, c]));
  return {
    run: report.run,
    statistics: report.statistics,
    comparison: report.comparison ?? null,
    results: report.results.map((result) => ({ case: byId.get(result.caseId) ?? null, ...result })),
  };
}

/** JSON: the whole report in one document. */
export const jsonReport: ReportWriter = {
  render: (report) => `${JSON.stringify(reportDocument(report), null, 2)}\n`,
};
