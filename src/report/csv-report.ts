import { stringify } from 'csv-stringify/sync';
import { ROW_COLUMNS, reportRows } from './report-rows.js';
import type { ReportWriter } from './report-writer.js';

/** CSV: one row per case, with a header; spreadsheets open it as it is. */
export const csvReport: ReportWriter = {
  render(report) {
    const rows = reportRows(report.cases, report.results);
    return stringify(
      rows.map((row) => ROW_COLUMNS.map(([key]) => row[key])),
      {
        header: true,
        columns: ROW_COLUMNS.map(([, header]) => header),
        cast: { boolean: (value) => (value ? 'true' : 'false') },
      },
    );
  },
};
