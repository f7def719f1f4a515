// npm run bench:viewer — the viewer on a 100,000-result run, in this run:
//   1. Writing: what the viewer's index (migration 7: result_index, result_grades, result_text,
//      kept by triggers) costs each stored result, against the same store without it.
//   2. Server time: each API query the run page makes (pages, filters, sorts, search, a case,
//      the summary, the runs list, a comparison), through the Hono app as the server runs it:
//      the median of 7 after one warm-up, against the spec's ≤ 50 ms.
//   3. Chromium: the run page opened cold, until its first result rows are in the page (the
//      median of 3), against the spec's 1 s.
//   4. The peer: promptfoo's `view` against ours over the same --peer-results cases (10,000 by
//      default; promptfoo's eval of 100,000 takes half an hour here), each stored by its own
//      tool from the same simulator: pages, failures and search through each one's HTTP API, and
//      each page until its first results show in Chromium. Needs `npm run bench:e2e:peers`.
// Options: --results N (default 100000), --quick (10,000 results, 3 timings), --keep (keep the
// store written), --store PATH (time a kept store instead of writing one).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dist = (path) => import(join(root, 'dist', path));
const { RunStore } = await dist('store/run-store.js');
const { StoreReader } = await dist('store/store-reader.js');
const { createViewerApp } = await dist('viewer/viewer-app.js');
const { loadAssets } = await dist('viewer/viewer-assets.js');
const { startViewer } = await dist('viewer/viewer-server.js');
const Database = (await import(join(root, 'node_modules/better-sqlite3/lib/index.js'))).default;

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const at = argv.indexOf('--results');
const N = at >= 0 ? Number(argv[at + 1]) : QUICK ? 10_000 : 100_000;
const TIMINGS = QUICK ? 3 : 7;
const given = argv.indexOf('--store');
/** A store of a run `big` from an earlier bench:viewer (--keep), instead of writing one. */
const STORE = given >= 0 ? resolve(argv[given + 1]) : undefined;
const KEEP = argv.includes('--keep');
const peerAt = argv.indexOf('--peer-results');
const PEER_N = peerAt >= 0 ? Number(argv[peerAt + 1]) : QUICK ? 2_000 : 10_000;
const work = mkdtempSync(join(tmpdir(), 'bench-viewer-'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WORDS = 'invoice refund password account billing export colleague language card mobile'.split(
  ' ',
);

/** Case i of the bench: two workflows, two variants, a tenth failing, texts of varied words. */
function caseOf(i) {
  const words = Array.from({ length: 8 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]);
  return {
    caseId: `c${i}`,
    position: i,
    workflowId: i % 4 < 2 ? 'support' : 'billing',
    variant: i % 2 === 0 ? 'current' : 'polite',
    caseIndex: Math.floor(i / 2),
    repeatIndex: 0,
    inputs: { query: `Question ${i}: ${words.join(' ')}?` },
    query: null,
    reference: null,
  };
}

function resultOf(c, i) {
  const failed = (i * 2654435761) % 10 === 0;
  const timeout = i % 997 === 0;
  return {
    caseId: c.caseId,
    workflowId: c.workflowId,
    variant: c.variant,
    status: timeout ? 'timeout' : 'succeeded',
    difyStatus: timeout ? null : 'succeeded',
    outputs: timeout
      ? null
      : { answer: `Certainly: about ${c.inputs.query} ${'Here is what to do next. '.repeat(3)}` },
    answer: null,
    errorCode: timeout ? 'E_TASK_TIMEOUT' : null,
    errorMessage: timeout ? 'the run took longer than 30000 ms' : null,
    attempts: timeout ? 3 : 1,
    queueMs: 1,
    durationMs: 200 + ((i * 7919) % 1800),
    totalMs: 210 + ((i * 7919) % 1800),
    difyElapsedMs: 190 + ((i * 7919) % 1800),
    tokens: 80 + (i % 120),
    cost: (80 + (i % 120)) * 2e-6,
    workflowRunId: `wr-${i}`,
    taskId: `t-${i}`,
    nodes: [
      { nodeId: 'start', nodeType: 'start', title: 'Start', status: 'succeeded', elapsedMs: 3 },
      {
        nodeId: 'llm',
        nodeType: 'llm',
        title: 'LLM',
        status: 'succeeded',
        elapsedMs: 180,
        totalTokens: 90,
      },
      { nodeId: 'end', nodeType: 'end', title: 'End', status: 'succeeded', elapsedMs: 2 },
    ],
    finishedAt: Date.now(),
    passed: !failed && !timeout,
    score: failed || timeout ? 0 : 1,
    gradeClass: null,
    grades: [
      {
        name: 'polite',
        type: 'starts_with',
        pass: !failed,
        score: failed ? 0 : 1,
        reason: failed ? 'does not start with "Certainly"' : 'ok',
      },
      { name: 'short', type: 'javascript', pass: true, score: 1, reason: 'ok' },
    ],
  };
}

/** Writes `n` results in batches of 100, as a run's checkpoints do; µs per result. */
function writeStore(path, n, { bare = false } = {}) {
  const store = RunStore.open(path);
  if (bare) {
    const db = new Database(path);
    db.exec('DROP TRIGGER result_written');
    db.close();
  }
  store.createRun({ id: 'big', configFile: '/bench/suite.yaml', config: {}, toolVersion: 'bench' });
  const cases = Array.from({ length: n }, (_, i) => caseOf(i));
  store.addCases('big', cases);
  const started = performance.now();
  for (let b = 0; b < n; b += 100)
    store.saveResults(
      'big',
      cases.slice(b, b + 100).map((c, k) => resultOf(c, b + k)),
    );
  const us = ((performance.now() - started) * 1000) / n;
  store.close();
  return us;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Each query's server time through one reader, as a running viewer answers it. `writing`: a
 * run is writing to the store; before each timing another connection writes, which changes
 * the store's data_version, so nothing is reused (no count, summary or comparison computed for
 * an earlier version, and SQLite's page cache refilled). Otherwise the run is finished: the
 * page's SQL runs each time, what is computed once per version (a filter's count, a summary,
 * a comparison) is reused, as the server reuses it.
 */
async function serverTimes(path, writing) {
  const reader = StoreReader.open(path);
  const app = createViewerApp({ reader, assets: new Map() });
  const writer = RunStore.open(path);
  writer.createRun({ id: 'bench-writes', configFile: null, config: {}, toolVersion: 'bench' });
  await (await app.request('http://127.0.0.1/api/runs/big/results?limit=200')).arrayBuffer();
  const queries = [
    ['runs list', '/api/runs'],
    ['run summary', '/api/runs/big'],
    ['results: first page', '/api/runs/big/results?limit=200'],
    ['results: last page', `/api/runs/big/results?limit=200&offset=${N - 200}`],
    ['failures', '/api/runs/big/results?status=failed&limit=200'],
    ['failures, slowest first', '/api/runs/big/results?status=failed&sort=-duration&limit=200'],
    ['sort by tokens, page 100', '/api/runs/big/results?sort=tokens&offset=20000&limit=200'],
    ['sort by cost, descending', '/api/runs/big/results?sort=-cost&limit=200'],
    ['timeouts', '/api/runs/big/results?status=timeout&limit=200'],
    ['workflow + variant', '/api/runs/big/results?workflow=billing&variant=polite&limit=200'],
    ['assertion failed', '/api/runs/big/results?assertion=polite&limit=200'],
    ['search: common words', '/api/runs/big/results?q=refund%20password&limit=200'],
    ['search: rare', `/api/runs/big/results?q=Question%20${N - 7}%3A&limit=200`],
    ['search: 2 characters', '/api/runs/big/results?q=xz&limit=200'],
    ['a case', `/api/runs/big/results/c${Math.floor(N / 2)}`],
    ['compare the two variants', '/api/compare?a=big@current&b=big@polite'],
  ];
  const rows = [];
  for (const [name, url] of queries) {
    let status = 0;
    let first = 0;
    const times = [];
    for (let k = 0; k <= TIMINGS; k += 1) {
      if (writing) writer.addEvent('bench-writes', 'write', { k });
      const t = performance.now();
      const response = await app.request(`http://127.0.0.1${url}`);
      await response.arrayBuffer();
      if (k > 0) times.push(performance.now() - t);
      else first = performance.now() - t;
      status = response.status;
    }
    rows.push({ name, url, ms: median(times), first, status });
  }
  writer.deleteRun('bench-writes');
  writer.close();
  reader.close();
  return rows;
}

/**
 * Opens `url` cold in Chromium `times` times: ms from the navigation's start until `shown` (an
 * expression of the page) holds, as the page's own clock saw it (a mutation observer set before
 * the page loads), not when the test's polling noticed.
 */
async function firstRows(url, shown, times) {
  if (!existsSync(CHROMIUM)) return undefined;
  const puppeteer = (
    await import(join(root, 'node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js'))
  ).default;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const measured = [];
  try {
    for (let k = 0; k < times; k += 1) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1400, height: 1000 });
      await page.evaluateOnNewDocument(`new MutationObserver((_, observer) => {
        if (!(${shown})) return;
        window.__firstRows = performance.now();
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true, characterData: true });`);
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction('window.__firstRows !== undefined', { timeout: 120_000 });
      measured.push(await page.evaluate('window.__firstRows'));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return median(measured);
}

const fmt = (ms) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

console.log(
  `bench:viewer — ${N.toLocaleString('en')} results (${QUICK ? 'quick' : 'full'}), work dir ${work}`,
);
const sample = Math.min(N, 20_000);
const bareUs =
  STORE === undefined ? writeStore(join(work, 'bare.db'), sample, { bare: true }) : undefined;
const indexedUs = STORE === undefined ? writeStore(join(work, 'indexed.db'), sample) : undefined;
const path = STORE ?? join(work, 'runs.db');
const fullUs = STORE === undefined ? writeStore(path, N) : undefined;
const finished = await serverTimes(path, false);
const times = await serverTimes(path, true);
const reader = StoreReader.open(path);
const server = await startViewer({ reader, assets: loadAssets(), host: '127.0.0.1', port: 0 });
const chromiumMs = await firstRows(
  `${server.url}#/run/big`,
  "document.querySelector('.table-body .row .col.case') !== null",
  3,
);
await server.close();
reader.close();

const { promptfooPeer } = await import('./promptfoo-peer.mjs');
const peer = await promptfooPeer({
  root,
  work,
  n: PEER_N,
  timings: TIMINGS,
  firstRows,
  startViewer,
  StoreReader,
  loadAssets,
});

const out = [`# bench:viewer — ${N.toLocaleString('en')} results`, ''];
out.push('| writing a result | µs |', '|---|---:|');
out.push(
  `| without the viewer's index (${sample.toLocaleString('en')} results) | ${bareUs?.toFixed(0) ?? '—'} |`,
);
out.push(`| with it (${sample.toLocaleString('en')} results) | ${indexedUs?.toFixed(0) ?? '—'} |`);
out.push(`| with it (${N.toLocaleString('en')} results) | ${fullUs?.toFixed(0) ?? '—'} |`, '');
const meets = (row) =>
  row.status !== 200 ? `HTTP ${row.status}` : row.ms <= 50 ? 'yes' : '**no**';
out.push(
  '| query (server time, ms) | finished run: first answer | then | ≤ 50 ms | while a run writes | ≤ 50 ms |',
  '|---|---:|---:|---|---:|---|',
);
times.forEach((row, i) => {
  const done = finished[i];
  out.push(
    `| ${row.name} | ${fmt(done.first)} | ${fmt(done.ms)} | ${meets({ ...done, ms: Math.max(done.ms, done.first) })} | ${fmt(row.ms)} | ${meets(row)} |`,
  );
});
out.push('', '| page | ms | target |', '|---|---:|---|');
out.push(
  `| run page cold, first rows in Chromium | ${fmt(chromiumMs)} | ${chromiumMs === undefined ? 'no Chromium' : chromiumMs < 1000 ? '< 1 s: yes' : '< 1 s: **no**'} |`,
);
if (peer === undefined)
  out.push('', 'promptfoo: skipped (`npm run bench:e2e:peers` installs it and Node 22).');
else {
  const ratio = (a, b) => (a / b).toFixed(3);
  out.push(
    '',
    `Against promptfoo 0.123's \`view\` (Node 22), ${peer.n.toLocaleString('en')} cases stored by each tool from the same simulator, over HTTP:`,
    '',
    '| query | ours ms | promptfoo ms | ours ÷ promptfoo |',
    '|---|---:|---:|---:|',
  );
  for (const [name, t] of Object.entries(peer.server))
    out.push(`| ${name} | ${fmt(t.ours)} | ${fmt(t.theirs)} | ${ratio(t.ours, t.theirs)} |`);
  out.push(
    `| page cold, first results in Chromium | ${fmt(peer.pages.ours)} | ${fmt(peer.pages.theirs)} | ${ratio(peer.pages.ours, peer.pages.theirs)} |`,
  );
}
const report = out.join('\n');
console.log(report);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/viewer.md'), `${report}\n`);
if (KEEP && STORE === undefined) console.log(`kept the store: --store ${path}`);
else rmSync(work, { recursive: true, force: true });
