import { csvReport } from './csv-report.js';
import { excelReport } from './excel-report.js';
import { htmlReport } from './html-report.js';
import { jsonReport } from './json-report.js';
import { jsonlReport } from './jsonl-report.js';
import { junitReport } from './junit-report.js';
import type { ReportFormat, ReportWriter } from './report-writer.js';

/** Every report format, by name. */
export const REPORT_WRITERS = {
  json: jsonReport,
  jsonl: jsonlReport,
  csv: csvReport,
  xlsx: excelReport,
  html: htmlReport,
  junit: junitReport,
} as const satisfies Record<ReportFormat, ReportWriter>;
