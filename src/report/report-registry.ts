import type { ReportFormat, ReportFormatEntry } from './report-writer.js';

/** Every report format, by name; each writer is loaded when its format is first asked for. */
export const REPORT_FORMATS = {
  json: { extensions: ['.json'], load: async () => (await import('./json-report.js')).jsonReport },
  jsonl: {
    extensions: ['.jsonl', '.ndjson'],
    load: async () => (await import('./jsonl-report.js')).jsonlReport,
  },
  csv: { extensions: ['.csv'], load: async () => (await import('./csv-report.js')).csvReport },
  xlsx: {
    extensions: ['.xlsx'],
    load: async () => (await import('./excel-report.js')).excelReport,
  },
  html: {
    extensions: ['.html', '.htm'],
    load: async () => (await import('./html-report.js')).htmlReport,
  },
  junit: {
    extensions: ['.xml'],
    load: async () => (await import('./junit-report.js')).junitReport,
  },
} as const satisfies Record<ReportFormat, ReportFormatEntry>;
