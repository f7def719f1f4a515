import ExcelJS from 'exceljs';
import { ROW_COLUMNS, reportRows, type ReportRow } from './report-rows.js';
import { percent } from './percent.js';
import type { ReportWriter } from './report-writer.js';
import type { RunReport } from './run-report.js';

type Worksheet = ExcelJS.Worksheet;
type Cell = string | number | boolean | null;

const GREEN = { type: 'pattern', pattern: 'solid', bgColor: { argb: 'FFC6EFCE' } } as const;
const RED = { type: 'pattern', pattern: 'solid', bgColor: { argb: 'FFFFC7CE' } } as const;
const AMBER = { type: 'pattern', pattern: 'solid', bgColor: { argb: 'FFFFEB9C' } } as const;

function columnLetter(index: number): string {
  let n = index;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** A sheet with a bold, frozen header row, an auto filter and the given rows. */
function table(
  sheet: Worksheet,
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): void {
  sheet.addRow([...headers]).font = { bold: true };
  for (const row of rows) sheet.addRow([...row]);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  sheet.autoFilter = {
    from: { row: 1, column: 1 },
    to: { row: Math.max(1, rows.length + 1), column: headers.length },
  };
  headers.forEach((header, i) => {
    sheet.getColumn(i + 1).width = Math.min(60, Math.max(10, header.length + 2));
  });
}

/** Colours a PASS/FAIL column green and red, and a grade column by class. */
function colour(
  sheet: Worksheet,
  column: number,
  rows: number,
  kind: 'verdict' | 'grade' | 'delta',
): void {
  if (rows === 0) return;
  const letter = columnLetter(column);
  const ref = `${letter}2:${letter}${String(rows + 1)}`;
  const text = (value: string, fill: typeof GREEN | typeof RED | typeof AMBER) => ({
    type: 'containsText' as const,
    operator: 'containsText' as const,
    text: value,
    priority: 1,
    style: { fill },
  });
  const rules =
    kind === 'verdict'
      ? [text('PASS', GREEN), text('FAIL', RED)]
      : kind === 'grade'
        ? [text('excellent', GREEN), text('good', GREEN), text('fair', AMBER), text('poor', RED)]
        : [text('regressed', RED), text('improved', GREEN)];
  sheet.addConditionalFormatting({ ref, rules });
}

function resultCells(row: ReportRow): Cell[] {
  return ROW_COLUMNS.map(([key]) => (key === 'passed' ? (row.passed ? 'PASS' : 'FAIL') : row[key]));
}

function summarySheet(book: ExcelJS.Workbook, report: RunReport): void {
  const sheet = book.addWorksheet('Summary');
  const { overall } = report.statistics;
  const lines: [string, Cell][] = [
    ['run', report.run.id],
    ['status', report.run.status],
    ['config file', report.run.configFile],
    ['started', new Date(report.run.createdAt).toISOString()],
    ['cases', overall.total],
    ['passed', overall.passed],
    ['pass rate', percent(overall.passRate)],
    ['grade', overall.grade],
    ['latency p50 ms', overall.latencyMs?.p50 ?? null],
    ['latency p95 ms', overall.latencyMs?.p95 ?? null],
    ['tokens', overall.tokens],
    ['cost', overall.cost],
    ['retries', overall.retries],
    ['wall time s', overall.wallMs / 1000],
    ['throughput cases/s', overall.throughputPerSecond],
  ];
  sheet.addRow(['Summary']).font = { bold: true, size: 14 };
  for (const line of lines) sheet.addRow(line);
  sheet.addRow([]);
  sheet.addRow([
    'workflow',
    'cases',
    'passed',
    'pass rate',
    'grade',
    'p50 ms',
    'p95 ms',
    'tokens',
    'cost',
  ]).font = { bold: true };
  for (const [id, w] of Object.entries(report.statistics.perWorkflow)) {
    sheet.addRow([
      id,
      w.total,
      w.passed,
      percent(w.passRate),
      w.grade,
      w.latencyMs?.p50 ?? null,
      w.latencyMs?.p95 ?? null,
      w.tokens,
      w.cost,
    ]);
  }
  sheet.addRow([]);
  sheet.addRow([
    'assertion',
    'type',
    'graded',
    'passed',
    'pass rate',
    'mean score',
    'errors',
  ]).font = { bold: true };
  for (const a of report.statistics.perAssertion)
    sheet.addRow([a.name, a.type, a.graded, a.passed, percent(a.passRate), a.meanScore, a.errors]);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  sheet.getColumn(1).width = 28;
  sheet.getColumn(2).width = 24;
}

/**
 * Excel (through exceljs): Summary, Results, Failures, Nodes, Variants (with prompt variants)
 * and, when there is a base run, Comparison sheets, each with a frozen header, filters and conditional colours.
 */
export const excelReport: ReportWriter = {
  async render(report) {
    const book = new ExcelJS.Workbook();
    book.creator = 'dify-autoopt';
    book.created = new Date(report.generatedAt);
    summarySheet(book, report);
    const rows = reportRows(report.cases, report.results);
    const headers = ROW_COLUMNS.map(([, header]) => header);
    const passedColumn = ROW_COLUMNS.findIndex(([key]) => key === 'passed') + 1;
    const gradeColumn = ROW_COLUMNS.findIndex(([key]) => key === 'grade') + 1;
    for (const [name, list] of [
      ['Results', rows],
      ['Failures', rows.filter((row) => !row.passed)],
    ] as const) {
      const sheet = book.addWorksheet(name);
      table(sheet, headers, list.map(resultCells));
      colour(sheet, passedColumn, list.length, 'verdict');
      colour(sheet, gradeColumn, list.length, 'grade');
    }
    nodesSheet(book, report);
    variantsSheet(book, report);
    comparisonSheet(book, report);
    return Buffer.from(await book.xlsx.writeBuffer());
  },
};

/** The Nodes sheet: each Dify node's runs, failures, time, tokens and cost. */
function nodesSheet(book: ExcelJS.Workbook, report: RunReport): void {
  const nodes = book.addWorksheet('Nodes');
  table(
    nodes,
    [
      'workflow',
      'node',
      'title',
      'type',
      'runs',
      'failed',
      'mean ms',
      'p50 ms',
      'p95 ms',
      'max ms',
      'tokens',
      'cost',
    ],
    report.statistics.perNode.map((n) => [
      n.workflowId,
      n.nodeId,
      n.title,
      n.nodeType,
      n.runs,
      n.failed,
      n.elapsedMs?.mean ?? null,
      n.elapsedMs?.p50 ?? null,
      n.elapsedMs?.p95 ?? null,
      n.elapsedMs?.max ?? null,
      n.tokens,
      n.cost,
    ]),
  );
}

/** The Variants sheet, when the run had prompt variants. */
function variantsSheet(book: ExcelJS.Workbook, report: RunReport): void {
  const { variants } = report.statistics;
  if (variants.length > 0) {
    table(
      book.addWorksheet('Variants'),
      [
        'workflow',
        'variant',
        'ended',
        'passed',
        'pass rate',
        '95% low',
        '95% high',
        'McNemar p vs first',
        'now pass',
        'now fail',
        'tokens',
        'p50 ms',
        'cost',
      ],
      variants.map((v) => [
        v.workflowId,
        v.variant,
        v.ended,
        v.passed,
        percent(v.passRate),
        percent(v.interval[0]),
        percent(v.interval[1]),
        v.vsFirst?.pValue ?? null,
        v.vsFirst?.toPass.join(', ') ?? null,
        v.vsFirst?.toFail.join(', ') ?? null,
        v.tokens,
        v.latencyMs?.p50 ?? null,
        v.cost,
      ]),
    );
  }
}

/** The Comparison sheet, when there is a base run. */
function comparisonSheet(book: ExcelJS.Workbook, report: RunReport): void {
  const comparison = report.comparison;
  if (comparison !== undefined) {
    const sheet = book.addWorksheet('Comparison');
    const changes = [
      ...comparison.regressed.map((c) => ['regressed', c] as const),
      ...comparison.improved.map((c) => ['improved', c] as const),
      ...comparison.changed.map((c) => ['changed', c] as const),
    ];
    table(
      sheet,
      [
        'change',
        'case',
        'workflow',
        'before',
        'after',
        'score before',
        'score after',
        'output before',
        'output after',
      ],
      changes.map(([kind, c]) => [
        kind,
        c.caseId,
        c.workflowId,
        c.before.passed ? 'PASS' : 'FAIL',
        c.after.passed ? 'PASS' : 'FAIL',
        c.before.score,
        c.after.score,
        JSON.stringify(c.before.output),
        JSON.stringify(c.after.output),
      ]),
    );
    colour(sheet, 1, changes.length, 'delta');
    sheet.addRow([]);
    sheet.addRow([`base run ${comparison.baseRunId} → ${comparison.headRunId}`]);
    sheet.addRow(['pass rate before', percent(comparison.basePassRate)]);
    sheet.addRow(['pass rate after', percent(comparison.headPassRate)]);
    sheet.addRow(['paired difference', percent(comparison.passRateDelta)]);
    sheet.addRow([
      '95% interval',
      `${percent(comparison.passRateInterval[0])} … ${percent(comparison.passRateInterval[1])}`,
    ]);
    sheet.addRow(['McNemar p', comparison.pValue]);
  }
}
