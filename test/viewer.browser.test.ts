// The viewer in headless Chromium (Debian's `chromium`, installed by .ci/run): the pages a user
// opens, a filter, a case, a comparison, an optimization and a run updating live, with model
// text full of markup shown as text, no console error and no request off 127.0.0.1.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../src/store/run-store.js';
import { StoreReader } from '../src/store/store-reader.js';
import { assetsFolder, loadAssets } from '../src/viewer/viewer-assets.js';
import { startViewer, type ViewerServer } from '../src/viewer/viewer-server.js';
import { aResult } from './support/records.js';
import { HOSTILE, viewerStore, writeRun } from './support/viewer-store.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve('reports', 'screenshots');

let browser: Browser | undefined;
let page: Page;
let server: ViewerServer | undefined;
let reader: StoreReader | undefined;
let writer: RunStore;
const consoleErrors: string[] = [];
const offLoopback: string[] = [];

/** Evaluates an expression in the page (written as text: the tests are not compiled for the DOM). */
async function inPage<T>(expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

const waitFor = (expression: string): Promise<unknown> =>
  page.waitForFunction(expression, { timeout: 10_000 });

const text = (selector: string): Promise<string> =>
  inPage<string>(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`);

const shoot = (name: string): Promise<unknown> =>
  page.screenshot({ path: resolve(SCREENSHOTS, `viewer-${name}.png`) });

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `this test opens the viewer in Chromium, which is not at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does), or set CHROMIUM_PATH`,
    );
  if (assetsFolder() === undefined)
    throw new Error("the viewer's page is not built: npm run build (npm run check does) first");
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { path } = viewerStore();
  writer = RunStore.open(path);
  // A run still writing: 2 of its 6 cases done.
  writeRun(writer, 'live', 6, () => true, { finish: false, results: 2 });
  reader = StoreReader.open(path);
  server = await startViewer({ reader, assets: loadAssets(), host: '127.0.0.1', port: 0 });
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
  const origin = server.url;
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith(origin) || url.startsWith('data:')) void request.continue();
    else {
      offLoopback.push(url);
      void request.abort();
    }
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  reader?.close();
  writer.close();
});

describe('the viewer in Chromium', () => {
  it('lists the runs, newest first, with their pass rates', async () => {
    await page.goto(`${server?.url ?? ''}#/runs`, { waitUntil: 'load' });
    await waitFor(`document.querySelectorAll('table.runs tbody tr').length === 4`);
    const rows = await inPage<string[]>(
      `[...document.querySelectorAll('table.runs tbody tr')].map((r) => r.cells[1].textContent.trim())`,
    );
    expect(rows.map((r) => r.split(' ')[0])).toEqual(['live', 'opt', 'head', 'base']);
    expect(
      await inPage<string>(`document.querySelector('table.runs tbody tr:last-child').textContent`),
    ).toContain('50.0%');
    expect(await text('table.runs tbody tr:first-child')).toContain('running');
    await shoot('runs');
  });

  it('opens a run: its summary, charts and the first rows of its results', async () => {
    await page.click('a[href="#/run/base"]');
    await waitFor(`document.querySelectorAll('.table-body .row .col.case').length === 10`);
    // The table does not wait for the summary: the cards and charts come when it does.
    await waitFor(`document.querySelector('.cards .card')?.textContent.includes('50.0%')`);
    await waitFor(`document.querySelectorAll('canvas').length === 2`);
    await shoot('run');
  });

  it('filters the failures on the server, the filter in the link', async () => {
    await page.select('.toolbar select', 'failed');
    await waitFor(`document.querySelector('.table-foot').textContent.includes('5 results')`);
    expect(await inPage<string>('location.hash')).toBe('#/run/base?status=failed');
    const verdicts = await inPage<string[]>(
      `[...document.querySelectorAll('.table-body .row .col.verdict')].map((c) => c.textContent)`,
    );
    expect(verdicts).toEqual(['fail', 'fail', 'fail', 'fail', 'fail']);
  });

  it('opens a case in the drawer, moves with j, closes with Esc, and links to it', async () => {
    await page.click('.table-body .row');
    await waitFor(`document.querySelector('.drawer h2')?.textContent.includes('case-1')`);
    // The drawer opens at once; the case's record follows.
    await waitFor(`document.querySelector('.drawer .grades') !== null`);
    expect(await text('.drawer .grades')).toContain('no "topic" in the answer');
    expect(
      await inPage<number>(`document.querySelectorAll('.drawer .timeline .node').length`),
    ).toBe(3);
    await shoot('case');
    await page.keyboard.press('j');
    await waitFor(`document.querySelector('.drawer h2')?.textContent.includes('case-3')`);
    expect(await inPage<string>('location.hash')).toBe('#/run/base?status=failed&case=case-3');
    await page.keyboard.press('Escape');
    await waitFor(`document.querySelector('.drawer') === null`);
    await page.goto(`${server?.url ?? ''}#/run/base?case=case-7`, { waitUntil: 'load' });
    await waitFor(`document.querySelector('.drawer h2')?.textContent.includes('case-7')`);
  });

  it('shows an output holding <script> and <img onerror> as text, running nothing', async () => {
    await page.goto(`${server?.url ?? ''}#/run/base?case=case-3`, { waitUntil: 'load' });
    await waitFor(
      `[...document.querySelectorAll('.drawer pre.value')].some((p) => p.textContent.includes('onerror'))`,
    );
    const shown = await inPage<string[]>(
      `[...document.querySelectorAll('.drawer pre.value')].map((p) => p.textContent)`,
    );
    expect(shown).toContain(HOSTILE);
    expect(
      await inPage<string>(
        `document.querySelector('.table-body .row[data-index="3"] .col.output').textContent`,
      ),
    ).toBe(HOSTILE);
    expect(
      await inPage<number>(
        `document.querySelectorAll('main img, main script, .drawer img').length`,
      ),
    ).toBe(0);
    expect(await inPage<unknown>('window.__pwned')).toBeUndefined();
  });

  it('searches inputs and outputs with /', async () => {
    await page.goto(`${server?.url ?? ''}#/run/base`, { waitUntil: 'load' });
    await waitFor(`document.querySelectorAll('.table-body .row .col.case').length === 10`);
    await page.keyboard.press('/');
    expect(await inPage<string>(`document.activeElement.getAttribute('placeholder')`)).toContain(
      'Search',
    );
    await page.keyboard.type('topic 7');
    await page.keyboard.press('Enter');
    await waitFor(`document.querySelector('.table-foot').textContent.includes('1 results')`);
    expect(await text('.table-body .row .col.case')).toBe('case-7');
  });

  it('compares two runs: pass rates, McNemar p and the flipped cases side by side', async () => {
    await page.goto(`${server?.url ?? ''}#/compare?a=base&b=head`, { waitUntil: 'load' });
    await waitFor(`document.querySelectorAll('.flip').length === 6`);
    const cards = await inPage<string>(`document.querySelector('.cards').textContent`);
    expect(cards).toContain('p 0.219');
    expect(cards).toContain('1 regressed, 5 improved');
    await shoot('compare');
  });

  it("shows an optimization: the verdict, the candidates' progress and each edit as a diff", async () => {
    await page.goto(`${server?.url ?? ''}#/optimization/opt`, { waitUntil: 'load' });
    await waitFor(`document.querySelector('.verdict-box') !== null`);
    expect(await text('.verdict-box')).toContain('Accepted c1');
    expect(await text('.edit ins')).toContain('naming its topic');
    expect(await inPage<number>(`document.querySelectorAll('table.lineage tbody tr').length`)).toBe(
      2,
    );
    await shoot('optimization');
  });

  it('updates a run in progress as results arrive, without reloading', async () => {
    await page.goto(`${server?.url ?? ''}#/run/live`, { waitUntil: 'load' });
    await waitFor(`document.querySelector('.table-foot')?.textContent.includes('2 results')`);
    await waitFor(`document.querySelector('nav .live.on') !== null`);
    await inPage('window.__sameDocument = true');
    writer.saveResults('live', [
      aResult('case-2'),
      aResult('case-3'),
      aResult('case-4', { passed: false }),
    ]);
    await waitFor(`document.querySelector('.table-foot').textContent.includes('5 results')`);
    expect(await inPage<boolean>('window.__sameDocument')).toBe(true);
    await waitFor(`document.querySelector('.cards .card')?.textContent.includes('4 of 5')`);
    await shoot('live');
  });

  it('logged no console error and sent no request off 127.0.0.1', () => {
    expect(consoleErrors).toEqual([]);
    expect(offLoopback).toEqual([]);
  });
});
