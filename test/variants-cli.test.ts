// The built CLI runs the variants example on its built-in simulator and writes every report
// format with the variants side by side.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-process.js';

describe('dify-autoopt run with variants, end to end', () => {
  it('runs examples/variants.yaml offline and shows the variants in the summary and every report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'variants-cli-'));
    cpSync(resolve('examples'), dir, { recursive: true });
    const reports = ['report.json', 'report.csv', 'junit.xml', 'report.html', 'report.xlsx'];
    const exit = await cli(
      ['run', '-c', 'variants.yaml', '--no-progress', ...reports.flatMap((r) => ['-o', r])],
      dir,
    ).done;
    // The current prompts fail every case: a test tool's exit 1, and why on screen.
    expect(exit.code, exit.err).toBe(1);
    expect(exit.err).toContain('12 of 36 cases did not pass');
    expect(exit.out).toContain('failures: 12\n  12 × assertion courteous opening failed');
    expect(exit.out).toMatch(/support:[0-9a-f]{12} \[current\]: courteous opening: /);
    expect(exit.out).toContain('variants of support:');
    expect(exit.out).toMatch(/current\s+\d+\/12 passed .*\(95% CI .*\)\s+baseline/);
    expect(exit.out).toMatch(
      /polite\s+12\/12 passed 100\.0% .* vs current: p=0\.000, 12 now pass, 0 now fail/,
    );
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      statistics: { variants: { variant: string; vsFirst: { pValue: number } | null }[] };
      results: { variant: string }[];
    };
    expect(json.statistics.variants.map((v) => v.variant)).toEqual([
      'current',
      'polite',
      'polite-brief',
    ]);
    expect(json.statistics.variants[1]?.vsFirst?.pValue).toBeLessThan(0.001);
    expect(new Set(json.results.map((r) => r.variant))).toEqual(
      new Set(['current', 'polite', 'polite-brief']),
    );
    const csv = readFileSync(join(dir, 'report.csv'), 'utf8').split('\n');
    expect(csv[0]).toContain('prompt variant');
    expect(csv.filter((line) => line.includes(',polite-brief,'))).toHaveLength(12);
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase name="support:[0-9a-f]{12} \[polite\]"/g)).toHaveLength(12);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<section id="variants"><h2>Prompt variants</h2>');
    expect(html).toContain('id="chart-variants"');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, 'report.xlsx'));
    const sheet = book.getWorksheet('Variants');
    expect(sheet?.getRow(1).getCell(2).value).toBe('variant');
    expect(sheet?.getRow(3).getCell(2).value).toBe('polite');
  });
});
