// Grading, statistics, comparison and reports, end to end through the CLI against the
// simulator and a local OpenAI-compatible judge: every report read back and checked.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore, type ResultRecord } from '../src/store/run-store.js';
import { FakeOpenAi } from './support/fake-openai.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let judge: FakeOpenAi;
let dir: string;
let file: string;
const runIds: string[] = [];

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

function writeConfig(references: string[]): void {
  writeFileSync(
    file,
    [
      `dify: {base_url: ${sim.url}}`,
      `store: {path: ${join(dir, 'runs.db')}}`,
      `judge: {base_url: ${judge.baseUrl}, model: judge-1, api_key: sk-judge-secret, backoff: 0.01}`,
      'workflows:',
      '  - id: wf',
      '    api_key: app-grade-key',
      '    inputs: {query: [Say hello to everyone, Tell me about Paris, Reply in json with the capital of France]}',
      `    reference: ${JSON.stringify(references)}`,
      '    assert:',
      '      - {type: icontains}',
      '      - {type: llm_judge, name: mentions paris, value: \'Mentions "paris"\'}',
      '      - {type: latency, value: 60000, weight: 0}',
      '',
    ].join('\n'),
  );
}

function results(store: RunStore, runId: string): ResultRecord[] {
  return [...store.results(runId)];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'grading-'));
  file = join(dir, 'suite.yaml');
  judge = await FakeOpenAi.start();
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-grade-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 2 },
      },
    ],
  });
  // Run 1: the references the app meets for the first two cases.
  writeConfig(['hello', 'Paris', 'Paris']);
  const first = io();
  expect(
    await main(['node', 'x', 'run', '-c', file, '--quiet'], first.io),
    first.err.join('\n'),
  ).toBe(ExitCode.Failed);
  // Run 2: the second case now expects Rome, so it regresses.
  writeConfig(['hello', 'Rome', 'Paris']);
  const second = io();
  expect(
    await main(['node', 'x', 'run', '-c', file, '--no-progress', '--fail-under', '0.5'], second.io),
  ).toBe(ExitCode.Failed);
  expect(second.out.join('\n')).toMatch(/assert {5}mentions paris: 1\/3 passed/);
  expect(second.out.join('\n')).toMatch(/judge {6}0 calls, 3 from the cache, 0 failed/);
  const store = RunStore.open(join(dir, 'runs.db'));
  runIds.push(
    ...store
      .listRuns()
      .map((r) => r.id)
      .reverse(),
  );
  store.close();
});

afterAll(async () => {
  await sim.close();
  await judge.close();
});

describe('grading a run', () => {
  it('stores each case verdict, score, grade class and every assertion reason', () => {
    const store = RunStore.open(join(dir, 'runs.db'));
    const [hello, paris, json] = results(store, runIds[0] ?? '');
    store.close();
    expect(hello).toMatchObject({ status: 'succeeded', passed: false, score: 0.55 });
    expect(paris).toMatchObject({
      status: 'succeeded',
      passed: true,
      score: 0.95,
      gradeClass: 'excellent',
    });
    expect(json?.passed).toBe(false);
    expect(paris?.grades).toEqual([
      expect.objectContaining({
        type: 'icontains',
        name: 'icontains',
        pass: true,
        score: 1,
        weight: 1,
      }),
      expect.objectContaining({
        type: 'llm_judge',
        name: 'mentions paris',
        pass: true,
        score: 0.9,
        reason: 'mentions paris',
      }),
      expect.objectContaining({ type: 'latency', pass: true, weight: 0 }),
    ]);
    expect(hello?.gradeClass).toBe('poor');
  });

  it('asks the judge once per output: the second run is graded from the cache', () => {
    expect(judge.requests).toHaveLength(3);
    expect(judge.requests.every((r) => r.authorization === 'Bearer sk-judge-secret')).toBe(true);
  });

  it('never stores the judge key', () => {
    const store = readFileSync(join(dir, 'runs.db')).toString('latin1');
    expect(store).not.toContain('sk-judge-secret');
    expect(store).not.toContain('app-grade-key');
  });
});

describe('runs compare', () => {
  it('lists the regressed case with the pass-rate difference, its interval and the test', async () => {
    const compare = ['node', 'x', 'runs', 'compare', runIds[0] ?? '', runIds[1] ?? ''];
    const compared = io();
    await main([...compare, '--store', join(dir, 'runs.db')], compared.io);
    const text = compared.out.join('\n');
    expect(text).toContain('3 cases in both');
    expect(text).toMatch(/pass rate {2}33\.3% → 0\.0%; paired -33\.3% \(95% CI/);
    expect(text).toMatch(/regressed {2}1, improved 0/);
    expect(text).toMatch(/McNemar p = 1\.000/);
    const json = io();
    await main([...compare, '--store', join(dir, 'runs.db'), '--json'], json.io);
    const comparison = JSON.parse(json.out.join('\n')) as {
      regressed: { before: { passed: boolean } }[];
      paired: number;
    };
    expect(comparison.paired).toBe(3);
    expect(comparison.regressed).toHaveLength(1);
  });

  it('exits 2 for a run the store does not have', async () => {
    const missing = io();
    expect(
      await main(
        ['node', 'x', 'runs', 'compare', 'nope', runIds[1] ?? '', '--store', join(dir, 'runs.db')],
        missing.io,
      ),
    ).toBe(ExitCode.BadInput);
    expect(missing.err.join('\n')).toContain('E_RUN_NOT_FOUND');
  });
});

describe('reports', () => {
  const out = (name: string) => join(dir, 'reports', name);

  beforeAll(async () => {
    const wrote = io();
    const code = await main(
      [
        'node',
        'x',
        'report',
        runIds[1] ?? '',
        '--store',
        join(dir, 'runs.db'),
        '-o',
        out('r.xlsx'),
        '-o',
        out('r.csv'),
        '-o',
        out('r.xml'),
        '-o',
        out('r.json'),
        '-o',
        out('r.jsonl'),
        '-o',
        out('r.html'),
      ],
      wrote.io,
    );
    expect(code, wrote.err.join('\n')).toBe(ExitCode.Ok);
    expect(wrote.out).toHaveLength(6);
  });

  it('refuses a file name with no known format, with exit code 2', async () => {
    const bad = io();
    expect(
      await main(
        [
          'node',
          'x',
          'report',
          runIds[1] ?? '',
          '--store',
          join(dir, 'runs.db'),
          '-o',
          out('r.pdf'),
        ],
        bad.io,
      ),
    ).toBe(ExitCode.BadInput);
    expect(bad.err.join('\n')).toContain('E_REPORT_FORMAT');
  });

  it('Excel: summary, results, failures, nodes and comparison sheets, checked cell by cell', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out('r.xlsx'));
    expect(book.worksheets.map((s) => s.name)).toEqual([
      'Summary',
      'Results',
      'Failures',
      'Nodes',
      'Comparison',
    ]);
    const summary = book.getWorksheet('Summary');
    const value = (label: string) => {
      let found: unknown;
      summary?.eachRow((row) => {
        if (row.getCell(1).value === label) found = row.getCell(2).value;
      });
      return found;
    };
    expect(value('run')).toBe(runIds[1]);
    expect(value('cases')).toBe(3);
    expect(value('passed')).toBe(0);
    expect(value('pass rate')).toBe('0.0%');
    const results = book.getWorksheet('Results');
    if (results === undefined) throw new Error('no Results sheet');
    const header = (results.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 9)).toEqual([
      '#',
      'case',
      'workflow',
      'prompt variant',
      'repeat',
      'status',
      'passed',
      'score',
      'grade',
    ]);
    expect(results.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(results.autoFilter).toBeDefined();
    expect(results.rowCount).toBe(4);
    for (let row = 2; row <= 4; row += 1) {
      expect(results.getRow(row).getCell(3).value).toBe('wf');
      expect(results.getRow(row).getCell(4).value).toBe('');
      expect(results.getRow(row).getCell(6).value).toBe('succeeded');
      expect(results.getRow(row).getCell(7).value).toBe('FAIL');
    }
    expect(results.getRow(3).getCell(8).value).toBe(0.45);
    const reasons = header.indexOf('reasons') + 1;
    expect(results.getRow(3).getCell(reasons).text).toMatch(
      /icontains: .* does not contain "Rome"/,
    );
    expect(
      (results as unknown as { conditionalFormattings: unknown[] }).conditionalFormattings.length,
    ).toBeGreaterThan(0);
    expect(book.getWorksheet('Failures')?.rowCount).toBe(4);
    const nodes = book.getWorksheet('Nodes');
    expect(nodes?.getRow(1).getCell(2).value).toBe('node');
    expect(nodes?.rowCount).toBeGreaterThan(1);
    const comparison = book.getWorksheet('Comparison');
    expect(comparison?.getRow(2).getCell(1).value).toBe('regressed');
    expect(comparison?.getRow(2).getCell(4).value).toBe('PASS');
    expect(comparison?.getRow(2).getCell(5).value).toBe('FAIL');
  });

  it('JUnit: one test case per case, failures with their reasons', () => {
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(out('r.xml'), 'utf8'),
    ) as {
      testsuites: {
        tests: string;
        failures: string;
        testsuite: {
          name: string;
          testcase: { name: string; failure?: { message: string; '#text': string } }[];
        };
      };
    };
    expect(xml.testsuites.tests).toBe('3');
    expect(xml.testsuites.failures).toBe('3');
    const cases = xml.testsuites.testsuite.testcase;
    expect(xml.testsuites.testsuite.name).toBe('wf');
    expect(cases).toHaveLength(3);
    expect(cases[1]?.failure?.['#text']).toContain('does not contain "Rome"');
    expect(cases[0]?.failure?.['#text']).toContain('mentions paris: does not mention paris');
  });

  it('CSV: a header and one row per case', () => {
    const rows = parseCsv<Record<string, string>>(readFileSync(out('r.csv'), 'utf8'), {
      columns: true,
    });
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.passed)).toEqual(['false', 'false', 'false']);
    expect(rows[1]?.score).toBe('0.45');
    expect(rows[1]?.reference).toBe('Rome');
  });

  it('JSON and JSONL: the results with their grades, statistics and the comparison', () => {
    const doc = JSON.parse(readFileSync(out('r.json'), 'utf8')) as {
      statistics: {
        overall: { total: number; passRate: number };
        perAssertion: { name: string; passed: number }[];
      };
      comparison: { baseRunId: string };
      results: { grades: unknown[] }[];
    };
    expect(doc.statistics.overall).toMatchObject({ total: 3, passRate: 0 });
    expect(doc.statistics.perAssertion.map((a) => [a.name, a.passed])).toEqual([
      ['icontains', 1],
      ['mentions paris', 1],
      ['latency', 3],
    ]);
    expect(doc.comparison.baseRunId).toBe(runIds[0]);
    expect(doc.results[0]?.grades).toHaveLength(3);
    const lines = readFileSync(out('r.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
  });
});
