import { join, resolve } from 'node:path';
import type { RunComparison } from '../report/compare-runs.js';
import { variantLines } from '../report/variant-lines.js';
import { loadRunReport, type RunReport } from '../report/run-report.js';
import type { ReportFormat } from '../report/report-writer.js';
import { reportFileName, reportFormatOf, writeReport } from '../report/write-report.js';
import { RunStore } from '../store/run-store.js';

const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
const ms = (value: number | undefined): string =>
  value === undefined ? '—' : `${String(Math.round(value))} ms`;

/**
 * Writes a run's reports: each `-o` file (format from its extension) and each configured
 * format into `dir`. Returns the files written.
 * @throws ReportFormatError (`E_REPORT_FORMAT`) before anything is written.
 */
export async function writeRunReports(
  store: RunStore,
  runId: string,
  files: readonly string[],
  configured: { readonly formats: readonly ReportFormat[]; readonly dir: string } = {
    formats: [],
    dir: '.',
  },
  options: { readonly compareWith?: string | undefined } = {},
): Promise<{ files: string[]; report: RunReport | undefined }> {
  const targets: [string, ReportFormat][] = [
    ...files.map((file) => [file, reportFormatOf(file)] as [string, ReportFormat]),
    ...configured.formats.map(
      (format) =>
        [join(configured.dir, reportFileName(runId, format)), format] as [string, ReportFormat],
    ),
  ];
  if (targets.length === 0) return { files: [], report: undefined };
  const report = loadRunReport(
    store,
    runId,
    options.compareWith === undefined ? {} : { compareWith: options.compareWith },
  );
  for (const [file, format] of targets) await writeReport(report, file, format);
  return { files: targets.map(([file]) => file), report };
}

/** `dify-autoopt report <run-id> -o FILE…`: writes reports of a stored run. */
export async function reportCommand(
  storePath: string,
  runId: string,
  options: { readonly output: readonly string[]; readonly compare?: string | undefined },
  out: (line: string) => void,
): Promise<void> {
  for (const file of options.output) reportFormatOf(file);
  const store = RunStore.open(resolve(storePath), { readonly: true });
  try {
    const { files } = await writeRunReports(store, runId, options.output, undefined, {
      compareWith: options.compare,
    });
    for (const file of files) out(`wrote ${file}`);
  } finally {
    store.close();
  }
}

/** The comparison of two runs as lines for a terminal. */
export function formatComparison(c: RunComparison): string[] {
  const sign = c.passRateDelta >= 0 ? '+' : '';
  const lines = [
    `${c.baseRunId} → ${c.headRunId}: ${String(c.paired)} cases in both (${String(c.added)} new, ${String(c.removed)} gone)`,
    `  pass rate  ${pct(c.basePassRate)} → ${pct(c.headPassRate)}; paired ${sign}${pct(c.passRateDelta)} (95% CI ${pct(c.passRateInterval[0])} … ${pct(c.passRateInterval[1])}), McNemar p = ${c.pValue.toFixed(3)}${c.pValue < 0.05 ? ' (significant)' : ''}`,
    `  regressed  ${String(c.regressed.length)}, improved ${String(c.improved.length)}, output changed ${String(c.changed.length)}`,
    `  latency    p50 ${ms(c.latencyMs.baseP50)} → ${ms(c.latencyMs.headP50)}, p95 ${ms(c.latencyMs.baseP95)} → ${ms(c.latencyMs.headP95)}`,
    `  tokens     ${String(c.tokens.base)} → ${String(c.tokens.head)}; cost ${c.cost.base.toFixed(6)} → ${c.cost.head.toFixed(6)}`,
  ];
  for (const [label, list] of [
    ['regressed', c.regressed],
    ['improved', c.improved],
  ] as const) {
    for (const change of list.slice(0, 20))
      lines.push(`  ${label.padEnd(9)}  ${change.workflowId} ${change.caseId}`);
    if (list.length > 20) lines.push(`  … and ${String(list.length - 20)} more ${label}`);
  }
  return lines;
}

/** `dify-autoopt runs compare <a> <b>`: what changed from run a to run b. */
export function compareCommand(
  storePath: string,
  base: string,
  head: string,
  options: { readonly json: boolean },
  out: (line: string) => void,
): void {
  const store = RunStore.open(resolve(storePath), { readonly: true });
  try {
    const report = loadRunReport(store, head, { compareWith: base });
    const comparison = report.comparison as RunComparison;
    // Each run's variants side by side, when either has any.
    const variants = {
      base: loadRunReport(store, base, { compareWith: false }).statistics.variants,
      head: report.statistics.variants,
    };
    const withVariants = variants.base.length > 0 || variants.head.length > 0;
    if (options.json)
      out(JSON.stringify(withVariants ? { ...comparison, variants } : comparison, null, 2));
    else {
      for (const line of formatComparison(comparison)) out(line);
      for (const [runId, list] of [
        [base, variants.base],
        [head, variants.head],
      ] as const) {
        if (list.length === 0) continue;
        out(`run ${runId}:`);
        for (const line of variantLines(list)) out(line);
      }
    }
  } finally {
    store.close();
  }
}
