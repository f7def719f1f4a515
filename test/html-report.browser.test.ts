// The HTML report opened in headless Chromium (Debian's `chromium`, installed by .ci/run): it
// shows the stored numbers, draws its charts, works offline, and logs no console error.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore } from '../src/store/run-store.js';
import { startSimulator } from './support/simulator.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve('reports', 'screenshots');

let sim: DifySimulator;
let browser: Browser | undefined;
let page: Page;
let dir: string;
const consoleErrors: string[] = [];
const networkRequests: string[] = [];
let passed = 0;
let total = 0;

/** Evaluates an expression in the page (written as text: the tests are not compiled for the DOM). */
async function inPage<T>(expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

const quiet = { out: () => undefined, err: () => undefined };

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `this test opens the HTML report in Chromium, which is not at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does), or set CHROMIUM_PATH`,
    );
  dir = mkdtempSync(join(tmpdir(), 'html-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-html-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: { min: 2, max: 30 }, failure_rate: 0.1 },
      },
    ],
  });
  const file = join(dir, 'suite.yaml');
  const queries = Array.from({ length: 40 }, (_, i) => `Tell me about item ${String(i)} in Paris`);
  const config = (expected: string) =>
    `dify: {base_url: ${sim.url}}\nstore: {path: ${join(dir, 'runs.db')}}\nexecution: {retry: {max_attempts: 1}}\nworkflows:\n  - id: wf\n    api_key: app-html-key\n    inputs: {query: ${JSON.stringify(queries)}}\n    assert:\n      - {type: contains, value: ${expected}}\n      - {type: latency, value: 20, weight: 0}\n`;
  writeFileSync(file, config('Paris'));
  await main(['node', 'x', 'run', '-c', file, '--quiet'], quiet);
  writeFileSync(file, config('item 1'));
  await main(['node', 'x', 'run', '-c', file, '--quiet'], quiet);
  const store = RunStore.open(join(dir, 'runs.db'));
  const [latest] = store.listRuns();
  const runId = latest?.id ?? '';
  total = store.caseCount(runId);
  passed = store.passedCount(runId);
  store.close();
  expect(
    await main(
      [
        'node',
        'x',
        'report',
        runId,
        '--store',
        join(dir, 'runs.db'),
        '-o',
        join(dir, 'report.html'),
      ],
      quiet,
    ),
  ).toBe(ExitCode.Ok);

  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith('file:')) void request.continue();
    else {
      networkRequests.push(request.url());
      void request.abort();
    }
  });
  await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sim.close();
});

describe('the HTML report in Chromium', () => {
  it('shows the stored pass rate and case count', async () => {
    expect(total).toBe(40);
    const text = (selector: string) =>
      inPage<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);
    expect(await text('#cases')).toBe(String(total));
    expect(await text('#passed')).toBe(String(passed));
    expect(await text('#pass-rate')).toBe(`${((passed / total) * 100).toFixed(1)}%`);
  });

  it('draws every chart on its canvas', async () => {
    // Counts painted pixels on each canvas (the page's own DOM, so written for the browser).
    const drawn = await inPage<
      [string, boolean][]
    >(`[...document.querySelectorAll('canvas')].map((canvas) => {
      const context = canvas.getContext('2d');
      if (context === null || canvas.width === 0) return [canvas.id, false];
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
      return [canvas.id, painted > 100];
    })`);
    expect(Object.fromEntries(drawn)).toEqual({
      'chart-workflows': true,
      'chart-assertions': true,
      'chart-latency': true,
      'chart-cost': true,
      'chart-nodes': true,
      'chart-compare': true,
    });
  });

  it('shows the comparison with the previous run', async () => {
    const regressed = Number(
      await inPage<string>(`document.querySelector('#cmp-regressed').textContent`),
    );
    expect(regressed).toBeGreaterThan(0);
  });

  it('filters and sorts the results table', async () => {
    const rows = () => inPage<number>(`document.querySelectorAll('#results tbody tr').length`);
    expect(await rows()).toBe(total);
    await page.select('#verdict', 'pass');
    expect(await rows()).toBe(passed);
    await page.select('#verdict', 'all');
    await page.type('#filter', 'item 13 ');
    expect(await rows()).toBe(1);
    await inPage(
      `(() => { const f = document.querySelector('#filter'); f.value = ''; f.dispatchEvent(new Event('input')); })()`,
    );
    await page.click('#results th[data-column="latencyMs"]');
    // The column's place read from the header, not assumed: a sort checked on another column
    // (or on none) would pass without proving anything.
    const latencies = await inPage<number[]>(
      `(() => { const at = [...document.querySelectorAll('#results thead th')].findIndex((th) => th.dataset.column === 'latencyMs'); return [...document.querySelectorAll('#results tbody tr')].map((tr) => Number(tr.children[at].textContent || 'NaN')).filter((n) => !Number.isNaN(n)); })()`,
    );
    expect(latencies.length).toBeGreaterThan(total / 2);
    expect(latencies).toEqual([...latencies].sort((a, b) => a - b));
  });

  it('logs no console error, asks the network for nothing, and leaves a screenshot', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'html-report.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(networkRequests).toEqual([]);
  });
});

describe('the HTML report of a run with prompt variants, in Chromium', () => {
  it('shows each variant side by side and draws their chart', async () => {
    const file = join(dir, 'variants.yaml');
    writeFileSync(
      file,
      `dify: {base_url: ${sim.url}, email: admin@example.com, password: password}\nstore: {path: ${join(dir, 'variants.db')}}\nworkflows:\n  - id: wf\n    api_key: app-html-key\n    app_id: wf\n    inputs: {query: [one, two, three, four]}\n    assert: [{type: starts_with, value: Certainly}]\n    variants:\n      - {name: current}\n      - {name: polite, prompts: {llm_node.system: 'Be polite.'}}\n`,
    );
    const out = join(dir, 'variants.html');
    // The current prompt fails every case: exit 1, the report written all the same.
    expect(await main(['node', 'x', 'run', '-c', file, '--quiet', '-o', out], quiet)).toBe(
      ExitCode.Failed,
    );
    const variantsPage = await (browser as Browser).newPage();
    await variantsPage.goto(pathToFileURL(out).href, { waitUntil: 'load' });
    await variantsPage.waitForSelector('body[data-ready="true"]');
    const rows = (await variantsPage.evaluate(
      `[...document.querySelectorAll('#variants tbody tr')].map((tr) => [...tr.children].slice(0, 2).map((td) => td.textContent))`,
    )) as string[][];
    expect(rows).toEqual([
      ['wf', 'current'],
      ['wf', 'polite'],
    ]);
    const painted = (await variantsPage.evaluate(
      `(() => { const canvas = document.querySelector('#chart-variants'); const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; let n = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n += 1; return n; })()`,
    )) as number;
    expect(painted).toBeGreaterThan(100);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await variantsPage.screenshot({
      path: join(SCREENSHOTS, 'html-report-variants.png'),
      fullPage: true,
    });
    await variantsPage.close();
  });
});
