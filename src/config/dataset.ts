import { extname } from 'node:path';
import { asObject } from '../core/json-value.js';
import { ConfigError, readConfigText } from './config-error.js';

/** One row of a dataset: column → value. */
export type DatasetRow = Readonly<Record<string, unknown>>;

function problem(
  file: string,
  line: number | undefined,
  column: number | undefined,
  message: string,
): ConfigError {
  return new ConfigError([{ path: 'dataset', file, line, column, message }]);
}

/**
 * Reads the rows of a dataset file: CSV with a header row (RFC 4180 quoting, a UTF-8 BOM
 * skipped), or JSONL (one JSON object per line, blank lines skipped).
 * @throws ConfigError (`E_CONFIG_INVALID`) naming the file, the line and what is wrong.
 */
export async function readDataset(file: string): Promise<DatasetRow[]> {
  const text = await readConfigText(file, 'dataset', 'the dataset');
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return parseJsonl(text, file);
  if (extension === '.csv') return parseCsvRows(text, file, (await import('csv-parse/sync')).parse);
  throw problem(
    file,
    undefined,
    undefined,
    `a dataset must be .csv or .jsonl, not ${extension || 'a file without extension'}`,
  );
}

/** Rows of a JSONL text. */
export function parseJsonl(text: string, file: string): DatasetRow[] {
  const rows: DatasetRow[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw problem(file, index + 1, undefined, `not valid JSON: ${(error as Error).message}`);
    }
    const row = asObject(value);
    if (row === undefined) throw problem(file, index + 1, 1, 'each line must be a JSON object');
    rows.push(row);
  });
  return rows;
}

/** Rows of a CSV text with a header row, parsed by csv-parse (loaded when a CSV is read). */
export function parseCsvRows(
  text: string,
  file: string,
  parseCsv: typeof import('csv-parse/sync').parse,
): DatasetRow[] {
  try {
    return parseCsv<DatasetRow>(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      trim: false,
    });
  } catch (error) {
    const { lines, column } = error as { lines?: number; column?: number | string };
    throw problem(
      file,
      lines,
      typeof column === 'number' ? column : undefined,
      (error as Error).message,
    );
  }
}
