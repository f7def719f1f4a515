// Shared harness for the peer benchmarks (baseline pool, p-limit, p-queue, Bottleneck, BullMQ).
// Every library script exports nothing; it calls `main(adapter)` from here.
// An adapter is: { name, version, rateVariants: {variantName: {describe, ...}},
//   run(n, concurrency, taskFn, rateVariant?) -> Promise<results[]>,   // all modes except `boundary`
//   create(concurrency, rateVariant) -> { submit(fn) -> Promise, close?() } }   // `boundary` mode only
// run() must schedule all n tasks (taskFn(i)), honour `concurrency`, and resolve when all n have finished.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepP } from 'node:timers/promises';

export const now = () => performance.now();

export function parseArgs(argv = process.argv.slice(2)) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const k = a.slice(2);
      const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
      o[k] = v;
    }
  }
  return o;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- rate-limit analysis ------------------------------------------------------------------
// starts: array of start timestamps in ms (any origin). rate in tasks/second, burst = bucket capacity.
export function rateStats(startsIn, { ratePerSec, burst }) {
  const s = [...startsIn].sort((a, b) => a - b);
  const t0 = s[0];
  const t = s.map((x) => x - t0);
  const n = t.length;
  const maxInWindow = (w) => {
    let best = 0;
    let j = 0;
    for (let i = 0; i < n; i++) {
      // window [t[i], t[i]+w)
      if (j < i) j = i;
      while (j < n && t[j] < t[i] + w) j++;
      best = Math.max(best, j - i);
    }
    return best;
  };
  const r = ratePerSec / 1000; // tokens per ms
  // Token-bucket (GCRA) conformance: for every pair i<=j, (j-i+1) <= burst + r*(t_j - t_i).
  // excess > 0 means the schedule could NOT have been produced by a (burst, rate) token bucket.
  let maxExcess = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const e = j - i + 1 - r * (t[j] - t[i]) - burst;
      if (e > maxExcess) maxExcess = e;
    }
  }
  // steady-state slope: least squares of index vs time for k >= burst (tasks per minute)
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    m = 0;
  for (let k = burst; k < n; k++) {
    sx += t[k];
    sy += k;
    sxx += t[k] * t[k];
    sxy += t[k] * k;
    m++;
  }
  const slopePerMs = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  const totalMs = t[n - 1];
  const theoreticalTbMs = ((n - burst) / ratePerSec) * 1000; // ideal token bucket starting full
  const allowed = (w) => Math.floor(burst + r * w + 1e-9);
  return {
    n,
    totalMs: +totalMs.toFixed(1),
    theoreticalTbMs,
    ratioTheoreticalOverActual: +(theoreticalTbMs / totalMs).toFixed(4),
    steadyRatePerMin: +(slopePerMs * 60000).toFixed(1),
    max100ms: maxInWindow(100),
    allowed100ms: allowed(100),
    max1s: maxInWindow(1000),
    allowed1s: allowed(1000),
    max60s: maxInWindow(60000),
    gcraMaxExcessTokens: +maxExcess.toFixed(3),
    gcraViolation: maxExcess > 0.05, // 5 ms of slack at 10/s for timestamp jitter
  };
}

export function report(obj) {
  const ru = process.resourceUsage();
  console.log(
    'RESULT ' +
      JSON.stringify({
        ...obj,
        maxRssMB: +(ru.maxRSS / 1024).toFixed(1),
        cpuUserMs: Math.round(ru.userCPUTime / 1000),
        cpuSysMs: Math.round(ru.systemCPUTime / 1000),
        node: process.version,
      }),
  );
}

// ---- the modes ----------------------------------------------------------------------------
export async function main(adapter) {
  const args = parseArgs();
  const mode = args.mode ?? 'throughput';
  const base = { lib: adapter.name, version: adapter.version, mode };
  if (mode === 'throughput') {
    // (a) n no-op async tasks at concurrency c, no rate limit
    const n = +(args.n ?? 100000);
    const c = +(args.conc ?? 16);
    const noop = async () => {};
    // warm-up: small run so JIT compiles the hot paths in every library alike
    await adapter.run(Math.min(2000, n), c, noop);
    const t0 = now();
    const res = await adapter.run(n, c, noop);
    const ms = now() - t0;
    if (res.length !== n) throw new Error(`expected ${n} results, got ${res.length}`);
    report({
      ...base,
      n,
      conc: c,
      ms: +ms.toFixed(1),
      tasksPerSec: Math.round((n / ms) * 1000),
      usPerTask: +((ms * 1000) / n).toFixed(3),
    });
  } else if (mode === 'qmem') {
    // memory per queued task: enqueue n tasks that all block on one gate, GC, measure heap, release.
    if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
    const n = +(args.n ?? 100000);
    const c = +(args.conc ?? 16);
    let open;
    const gate = new Promise((r) => (open = r));
    const blocked = () => gate;
    await sleep(20);
    global.gc();
    global.gc();
    const h0 = process.memoryUsage().heapUsed;
    const done = adapter.run(n, c, blocked);
    await sleep(200); // let async-submit libraries (Bottleneck) finish accepting jobs
    global.gc();
    global.gc();
    const h1 = process.memoryUsage().heapUsed;
    open();
    const res = await done;
    if (res.length !== n) throw new Error('bad result count');
    report({
      ...base,
      n,
      conc: c,
      heapDeltaMB: +((h1 - h0) / 1048576).toFixed(1),
      bytesPerQueuedTask: Math.round((h1 - h0) / n),
    });
  } else if (mode === 'ratelimit') {
    // (b) 600/min with burst 10 (or nearest equivalent), 200 no-op tasks, concurrency non-binding (50)
    const n = +(args.n ?? 200);
    const c = +(args.conc ?? 50);
    const variant = args.variant;
    if (!adapter.rateVariants || !adapter.rateVariants[variant])
      throw new Error(
        `unknown variant ${variant}; have ${Object.keys(adapter.rateVariants ?? {})}`,
      );
    const starts = [];
    const task = async () => {
      starts.push(now());
    };
    const t0 = now();
    await adapter.run(n, c, task, adapter.rateVariants[variant]);
    const wall = now() - t0;
    const st = rateStats(starts, { ratePerSec: 10, burst: 10 });
    report({
      ...base,
      variant,
      config: adapter.rateVariants[variant].describe,
      wallMs: +wall.toFixed(1),
      firstStartDelayMs: +(Math.min(...starts) - t0).toFixed(1),
      ...st,
    });
  } else if (mode === 'boundary') {
    // (b') fixed-window boundary probe: 1 task at t=0, then n-1 tasks arrive at t=990 ms (just before a
    // 1000 ms window edge). A token bucket (10/s, burst 10) allows 10 at 990 ms, then 1 per 100 ms.
    // Fixed windows let ~2x the cap through within ~10 ms of the edge.
    const n = +(args.n ?? 200);
    const c = +(args.conc ?? 50);
    const at = +(args.at ?? 990);
    const variant = args.variant;
    const rv = adapter.rateVariants?.[variant];
    if (!rv || !adapter.create)
      throw new Error(`unknown variant ${variant} or adapter lacks create()`);
    const starts = [];
    const task = async () => {
      starts.push(now());
    };
    const t0 = now();
    const ex = await adapter.create(c, rv);
    const first = ex.submit(task);
    await sleep(Math.max(0, at - (now() - t0)));
    const rest = [];
    for (let i = 1; i < n; i++) rest.push(ex.submit(task));
    await Promise.all([first, ...rest]);
    const wall = now() - t0;
    await ex.close?.();
    const st = rateStats(starts, { ratePerSec: 10, burst: 10 });
    // ideal token bucket for this arrival pattern: last start at at + (n-1-10)/10 s
    const idealLast = at + ((n - 1 - 10) / 10) * 1000;
    report({
      ...base,
      variant,
      config: rv.describe,
      wallMs: +wall.toFixed(1),
      idealLastStartMs: idealLast,
      lastStartMs: +(Math.max(...starts) - t0).toFixed(1),
      ...st,
      ratioTheoreticalOverActual: undefined,
      theoreticalTbMs: undefined,
    });
  } else if (mode === 'latency') {
    // (c) n tasks each sleeping 50 ms at concurrency c; theoretical n*50/c ms
    const n = +(args.n ?? 2000);
    const c = +(args.conc ?? 50);
    const d = +(args.sleep ?? 50);
    const task = () => sleepP(d);
    const t0 = now();
    await adapter.run(n, c, task);
    const ms = now() - t0;
    const theo = (n * d) / c;
    report({
      ...base,
      n,
      conc: c,
      sleepMs: d,
      ms: +ms.toFixed(1),
      theoreticalMs: theo,
      ratio: +(theo / ms).toFixed(4),
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // p-queue/Bottleneck may keep interval timers alive; exit explicitly.
  process.exit(0);
}

// version of an installed package, robust to "exports" maps that hide package.json
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
export function pkgVersion(name) {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const j = JSON.parse(readFileSync(p, 'utf8'));
      if (j.name === name) return j.version;
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
