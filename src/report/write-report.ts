import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { AutoOptError } from '../core/autoopt-error.js';
import { REPORT_FORMATS } from './report-registry.js';
import type { ReportFormat } from './report-writer.js';
import type { RunReport } from './run-report.js';

/** A report file whose format cannot be told from its name. */
export class ReportFormatError extends AutoOptError {
  constructor(file: string) {
    super(
      'E_REPORT_FORMAT',
      `cannot tell the report format of ${file}: use .json, .jsonl, .csv, .xlsx, .html or .xml (JUnit)`,
    );
  }
}

/**
 * The format a file name asks for, by its extension.
 * @throws ReportFormatError (`E_REPORT_FORMAT`)
 */
export function reportFormatOf(file: string): ReportFormat {
  const extension = extname(file).toLowerCase();
  for (const [format, entry] of Object.entries(REPORT_FORMATS)) {
    if ((entry.extensions as readonly string[]).includes(extension)) return format as ReportFormat;
  }
  throw new ReportFormatError(file);
}

/** The file name `output.formats` gives a format in `output.dir`. */
export function reportFileName(runId: string, format: ReportFormat): string {
  const extension = REPORT_FORMATS[format].extensions[0];
  return `run-${runId}${format === 'junit' ? '.junit' : ''}${extension}`;
}

/**
 * Writes a report, its format from the file's extension unless given. Written to a temporary
 * file then renamed, so a reader never sees half a report.
 */
export async function writeReport(
  report: RunReport,
  file: string,
  format: ReportFormat = reportFormatOf(file),
): Promise<void> {
  const writer = await REPORT_FORMATS[format].load();
  const content = await writer.render(report);
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await writeFile(partial, content);
  await rename(partial, file);
}
