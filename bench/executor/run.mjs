// npm run bench:executor — our TaskScheduler beside p-limit, p-queue, Bottleneck and a hand-written
// pool, one process per library and mode, all in this run; prints one table of figures and ratios.
// CPU-bound modes run one at a time; timer-bound probes run four at a time (they are nearly idle).
// RUNS=3 repeats each measurement and reports medians. Raw lines go to bench/results/.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.RUNS ?? 1);
const resultsDir = join(here, '..', 'results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(
  resultsDir,
  `executor-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`,
);

const script = {
  ours: 'bench-ours.mjs',
  'p-queue': 'bench-p-queue.mjs',
  'p-limit': 'bench-p-limit.mjs',
  bottleneck: 'bench-bottleneck.mjs',
  pool: 'bench-baseline.mjs',
};

function job(label, lib, args) {
  return { label, lib, args: [join(here, script[lib]), ...args] };
}

const cpuJobs = [];
const timerJobs = [];
for (let r = 0; r < RUNS; r++) {
  for (const n of [100_000, 1_000_000]) {
    for (const lib of ['ours', 'p-queue', 'p-limit', 'pool']) {
      cpuJobs.push(
        job(`tp/${lib}/${n}`, lib, ['--mode', 'throughput', '--n', String(n), '--conc', '16']),
      );
    }
  }
  // Bottleneck runs at a few thousand tasks/s here: 1M would take the better part of an hour.
  cpuJobs.push(
    job('tp/bottleneck/10000', 'bottleneck', [
      '--mode',
      'throughput',
      '--n',
      '10000',
      '--conc',
      '16',
    ]),
  );
  for (const lib of ['ours', 'p-queue', 'p-limit', 'bottleneck', 'pool']) {
    timerJobs.push(
      job(`lat/${lib}`, lib, ['--mode', 'latency', '--n', '2000', '--conc', '50', '--sleep', '50']),
    );
  }
  const variants = {
    ours: ['tokenbucket'],
    pool: ['tokenbucket'],
    'p-queue': ['fixed', 'strict', 'smooth'],
    bottleneck: ['increase-5per500', 'refresh', 'mintime'],
  };
  for (const [lib, names] of Object.entries(variants)) {
    for (const v of names) {
      timerJobs.push(job(`rl/${lib}/${v}`, lib, ['--mode', 'ratelimit', '--variant', v]));
      timerJobs.push(job(`bd/${lib}/${v}`, lib, ['--mode', 'boundary', '--variant', v]));
    }
  }
}

function runJob({ label, args }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) {
        process.stderr.write(`FAIL ${label} (exit ${code})\n${err.slice(-2000)}\n`);
        resolve({ label, failed: true });
        return;
      }
      const row = { label, ...JSON.parse(line.slice(7)) };
      appendFileSync(resultsFile, JSON.stringify(row) + '\n');
      process.stderr.write(`ok   ${label}\n`);
      resolve(row);
    });
  });
}

async function runAll(jobs, parallel) {
  const rows = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < jobs.length) rows.push(await runJob(jobs[next++]));
    }),
  );
  return rows;
}

const rows = [...(await runAll(cpuJobs, 1)), ...(await runAll(timerJobs, 4))].filter(
  (r) => !r.failed,
);

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pick = (label, key) => median(rows.filter((r) => r.label === label).map((r) => r[key]));
const fmt = (x, digits = 0) =>
  x === undefined
    ? '—'
    : Number(x).toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

const out = [];
out.push(
  `# Executor benchmark (${new Date().toISOString()}, Node ${process.version}, ${RUNS} run(s) each, medians)\n`,
);
out.push('## Throughput: no-op tasks, concurrency 16\n');
out.push('| library | tasks | tasks/s | peak RSS MB | ours ÷ it, tasks/s | ours ÷ it, RSS |');
out.push('|---|---|---|---|---|---|');
for (const n of [100_000, 1_000_000, 10_000]) {
  const oursTps = pick(`tp/ours/${n}`, 'tasksPerSec');
  const oursRss = pick(`tp/ours/${n}`, 'maxRssMB');
  for (const lib of ['ours', 'p-queue', 'p-limit', 'bottleneck', 'pool']) {
    const label = `tp/${lib}/${n}`;
    if (!rows.some((r) => r.label === label)) continue;
    const tps = pick(label, 'tasksPerSec');
    const rss = pick(label, 'maxRssMB');
    const mine = lib === 'ours';
    out.push(
      `| ${mine ? '**dify-autoopt**' : lib} | ${fmt(n)} | ${fmt(tps)} | ${fmt(rss)} | ${mine || oursTps === undefined ? '' : ratio(oursTps, tps)} | ${mine || oursRss === undefined ? '' : ratio(oursRss, rss)} |`,
    );
  }
}
out.push('\n## Latency-bound: 2,000 tasks of 50 ms, concurrency 50 (theoretical 2,000 ms)\n');
out.push('| library | wall ms | theoretical ÷ actual |');
out.push('|---|---|---|');
for (const lib of ['ours', 'p-queue', 'p-limit', 'bottleneck', 'pool']) {
  out.push(
    `| ${lib === 'ours' ? '**dify-autoopt**' : lib} | ${fmt(pick(`lat/${lib}`, 'ms'), 1)} | ${fmt(pick(`lat/${lib}`, 'ratio'), 4)} |`,
  );
}
// A run over the token-bucket bound in some 100 ms or 1 s window, or by the GCRA check.
const overBound = (r) => r.max100ms > r.allowed100ms || r.max1s > r.allowed1s || r.gcraViolation;
const rateLabels = [
  ...new Set(rows.filter((r) => r.label.startsWith('rl/')).map((r) => r.label.slice(3))),
];
out.push(
  '\n## Rate limit: 200 tasks queued at once, 600/min, burst 10 (token-bucket bound: 11 per 100 ms, 20 per 1 s; theoretical 19,000 ms)\n',
);
out.push(
  '| library / setting | total ms | theoretical ÷ actual | most in 100 ms | most in 1 s | over the bound |',
);
out.push('|---|---|---|---|---|---|');
for (const key of rateLabels) {
  const l = `rl/${key}`;
  const over = rows.filter((r) => r.label === l && overBound(r)).length;
  out.push(
    `| ${key.startsWith('ours') ? `**dify-autoopt** (${key.split('/')[1]})` : key} | ${fmt(pick(l, 'totalMs'))} | ${fmt(pick(l, 'ratioTheoreticalOverActual'), 4)} | ${fmt(pick(l, 'max100ms'))} | ${fmt(pick(l, 'max1s'))} | ${over === 0 ? 'no' : `**yes** (${over} run(s))`} |`,
  );
}
out.push('\n## Window edge: 1 task at 0 ms, 199 arrive at 990 ms (ideal last start 19,890 ms)\n');
out.push(
  '| library / setting | last start ms | ideal ÷ actual | most in 100 ms | most in 1 s | over the bound |',
);
out.push('|---|---|---|---|---|---|');
for (const key of rateLabels) {
  const l = `bd/${key}`;
  const over = rows.filter((r) => r.label === l && overBound(r)).length;
  const ideal = median(
    rows.filter((r) => r.label === l).map((r) => r.idealLastStartMs / r.lastStartMs),
  );
  out.push(
    `| ${key.startsWith('ours') ? `**dify-autoopt** (${key.split('/')[1]})` : key} | ${fmt(pick(l, 'lastStartMs'))} | ${fmt(ideal, 4)} | ${fmt(pick(l, 'max100ms'))} | ${fmt(pick(l, 'max1s'))} | ${over === 0 ? 'no' : `**yes** (${over} run(s))`} |`,
  );
}

// The goals of issue 2, checked against this run's figures.
const goals = [];
const tpRatio = pick('tp/ours/1000000', 'tasksPerSec') / pick('tp/p-queue/1000000', 'tasksPerSec');
const rssRatio = pick('tp/ours/1000000', 'maxRssMB') / pick('tp/p-queue/1000000', 'maxRssMB');
goals.push([`1M tasks: throughput ≥ 1.5× p-queue's`, `${tpRatio.toFixed(2)}×`, tpRatio >= 1.5]);
goals.push([`1M tasks: peak RSS ≤ 0.5× p-queue's`, `${rssRatio.toFixed(2)}×`, rssRatio <= 0.5]);
const oursRate = rows.filter((r) => /^(rl|bd)\/ours\//.test(r.label));
const overRuns = oursRate.filter(overBound).length;
goals.push([
  'rate limit: no window over the token-bucket bound',
  `${overRuns} of ${oursRate.length} runs over`,
  overRuns === 0,
]);
const rl = pick('rl/ours/tokenbucket', 'ratioTheoreticalOverActual');
goals.push(['rate limit: total time within 1% of theoretical', `${fmt(rl, 4)}`, rl >= 0.99]);
const lat = pick('lat/ours', 'ratio');
goals.push(['latency-bound: total time within 1% of theoretical', `${fmt(lat, 4)}`, lat >= 0.99]);
out.push('\n## Goals\n');
out.push('| goal | this run | met |');
out.push('|---|---|---|');
for (const [goal, value, met] of goals)
  out.push(`| ${goal} | ${value} | ${met ? 'yes' : '**no**'} |`);
out.push(`\nRaw results: ${resultsFile}`);
console.log(out.join('\n'));
