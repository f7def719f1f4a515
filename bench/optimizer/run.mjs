// npm run bench:optimizer — the optimizer against its baselines at the same budget and split.
// Strategies: reflective (the default), random (rewrites with no feedback), greedy (no pool) and
// no change, each run through `optimize` on the simulator over loopback HTTP, over many seeds
// (the seed sets the split, the app's noise and the simulated proposer's draws).
// Apps (the spec's §4: each kind of case needs an instruction the start prompt lacks, answers
// are noisy, some instructions help one kind and hurt another, only the grader decides):
//   single   one LLM prompt (the quickstart's app)
//   multi    two LLM nodes in a chain; each kind's instruction counts only in one of them
//   drops    the single app with a proposer that drops a reference in half its replies
//   nobetter the single app where no instruction changes anything: any acceptance is false
// The gain reported is the TRUE held-out gain of what was applied (the simulator's own
// probabilities on the held-out cases, not the optimizer's estimate): 0 when nothing is applied.
// Env: BENCH_SEEDS (default 10), BENCH_FA_SEEDS (default 100, for nobetter).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dist = (path) => import(join(root, 'dist', path));
const { loadConfig } = await dist('config/load-config.js');
const { RunStore } = await dist('store/run-store.js');
const { optimize } = await dist('optimizer/optimize.js');
const { optimizationCases } = await dist('optimizer/optimization-cases.js');
const { OpenAiProposer } = await dist('optimizer/proposer.js');
const { ProposerRunner } = await dist('optimizer/proposer-runner.js');
const { DifySimulator } = await dist('simulator/simulator-server.js');
const { resolveSimulatorConfig } = await dist('simulator/simulator-config.js');
const { taskProbability, promptTexts } = await dist('simulator/task-model.js');
const { SimDsl } = await dist('simulator/sim-dsl.js');
const { patchPrompts, referencesIn } = await dist('dify/prompt-slots.js');

const SEEDS = Number(process.env.BENCH_SEEDS ?? 10);
const FA_SEEDS = Number(process.env.BENCH_FA_SEEDS ?? 100);
const work = mkdtempSync(join(tmpdir(), 'bench-optimizer-'));
const dataset = join(root, 'examples/data/support-cases.csv');

const KINDS = ['billing', 'login', 'shipping', 'refund', 'privacy', 'outage'];
const CLEAN = {
  billing: 'Quote the invoice number and the amount charged.',
  login: 'Walk the customer through a password reset step by step.',
  shipping: 'Give the carrier and the tracking link.',
  refund: 'State the refund window and how the money comes back.',
  privacy: 'Cite the data protection rights the customer has.',
  outage: 'Link the status page and apologise for the outage.',
};
const CONFLICTING = {
  billing: ['Always offer a discount code.', 'refund'],
  login: ['Never discuss account security.', 'privacy'],
  shipping: ['Promise delivery tomorrow.', 'outage'],
  refund: ['Refund at once without questions.', 'billing'],
  privacy: ['Keep answers vague about stored data.', 'login'],
  outage: ['Blame the customer network first.', 'shipping'],
};

/** The task rules: a clean and a conflicting instruction per kind, bound to a node or not. */
function rules({ gain = 0.55, nodeOf } = {}) {
  return KINDS.flatMap((kind) => [
    { kind, instruction: CLEAN[kind], gain, node: nodeOf?.(kind) },
    {
      kind,
      instruction: CONFLICTING[kind][0],
      gain: gain === 0 ? 0 : gain + 0.05,
      hurts: [CONFLICTING[kind][1]],
      penalty: gain === 0 ? 0 : 0.35,
      node: nodeOf?.(kind),
    },
  ]).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

const single = join(root, 'examples/dsl/support-assistant.yml');
const APPS = {
  single: { dsl: single, task: { base: 0.3, temperature: 0.1, rules: rules() }, proposer: {} },
  multi: {
    dsl: join(here, 'two-step.yml'),
    task: {
      base: 0.3,
      temperature: 0.1,
      // Half the kinds need their instruction in the draft, half in the review.
      rules: rules({ nodeOf: (kind) => (KINDS.indexOf(kind) % 2 === 0 ? 'draft' : 'review') }),
    },
    proposer: {},
  },
  drops: {
    dsl: single,
    task: { base: 0.3, temperature: 0.1, rules: rules() },
    proposer: { drop_reference_rate: 0.5 },
  },
  nobetter: {
    dsl: single,
    task: { base: 0.5, temperature: 0.1, rules: rules({ gain: 0 }) },
    proposer: {},
  },
};
const PROPOSER = {
  skill: 0.6,
  noise: 0.2,
  drop_reference_rate: 0.05,
  prose_rate: 0.05,
  empty_rate: 0.02,
};

/** One optimization: its true held-out gain and what it spent. */
async function once(appName, strategy, seed) {
  const app = APPS[appName];
  const dir = mkdtempSync(join(work, `${appName}-${strategy}-${seed}-`));
  const file = join(dir, 'config.yaml');
  const config = {
    dify: { base_url: 'simulator' },
    workflows: [
      {
        id: appName,
        api_key: 'app-bench',
        dataset,
        assert: [{ type: 'regex', value: ': resolved$' }],
        simulator: {
          dsl: app.dsl,
          behaviour: { latency_ms: 0, task: { input: 'kind', ...app.task } },
        },
      },
    ],
    optimization: {
      strategy: strategy === 'none' ? 'reflective' : strategy,
      budget: { runs: 600, proposer_calls: 60, max_cost: 100, time: '30m' },
      split: { heldout: 40, validation: 20, seed },
      minibatch: 4,
      heldout_repeats: 2,
    },
    execution: { concurrency: 16, retry: { max_attempts: 2, backoff: 0.05 } },
    store: { path: join(dir, 'runs.db') },
  };
  writeFileSync(file, JSON.stringify(config));
  const loaded = await loadConfig(file);
  const workflow = loaded.config.workflows[0];
  const resolved = await resolveSimulatorConfig(
    {
      apps: [
        {
          id: appName,
          api_key: 'app-bench',
          dsl: app.dsl,
          behaviour: workflow.simulator.behaviour,
        },
      ],
      seed: seed * 101 + 3,
      proposer: { ...PROPOSER, ...app.proposer },
    },
    dir,
  );
  const sim = await DifySimulator.start(resolved);
  const store = RunStore.open(config.store.path);
  const started = performance.now();
  try {
    const model = resolved.apps[0].behaviour.task;
    const cases = await optimizationCases(loaded, workflow, {
      split: config.optimization.split,
      seed,
      minibatch: 4,
      heldoutRepeats: 2,
    });
    const kinds = [
      ...new Map(cases.heldout.map((c) => [c.caseIndex, String(c.inputs.kind)])).values(),
    ];
    if (strategy === 'none')
      return {
        gain: 0,
        accepted: false,
        proven: false,
        runs: 100,
        calls: 0,
        ms: 0,
        altered: 0,
        bestGain: 0,
      };
    const outcome = await optimize({
      loaded,
      store,
      toolVersion: 'bench',
      overrides: { strategy, seed },
      proposer: new ProposerRunner(
        new OpenAiProposer({
          baseUrl: `${sim.url}/v1`,
          model: 'sim',
          temperature: 0.7,
          timeoutMs: 30_000,
        }),
        { maxAttempts: 3, backoff: 0.05, timeout: 30 },
      ),
      console: {
        baseUrl: sim.url,
        email: resolved.config.console.email,
        password: resolved.config.console.password,
      },
      signal: new AbortController().signal,
    });
    const truth = (prompts) => {
      const patched = outcome.source.clone();
      patchPrompts(patched, prompts);
      const texts = promptTexts(new SimDsl(patched.toString()));
      return (
        kinds.reduce((sum, kind) => sum + taskProbability(model, texts, kind), 0) / kinds.length
      );
    };
    const before = truth({});
    const bestGain = truth(outcome.search.best.prompts) - before;
    const gain = outcome.accepted ? bestGain : 0;
    // Every candidate that ran kept its prompt's references exactly.
    let altered = 0;
    for (const event of outcome.search.events) {
      if (event.text === undefined) continue;
      const slot = outcome.targets.find((s) => s.address === event.target);
      const want = [...slot.references].sort().join();
      if ([...referencesIn(event.text, slot.field)].sort().join() !== want) altered += 1;
    }
    const stored = [...store.results(outcome.id)].length;
    return {
      gain,
      bestGain,
      accepted: outcome.accepted,
      proven: outcome.accepted && gain >= 0.2,
      runs: outcome.runsUsed,
      stored,
      calls: outcome.proposerCalls,
      ms: performance.now() - started,
      altered,
    };
  } finally {
    store.close();
    await sim.close();
  }
}

const mean = (xs) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const sd = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const pts = (x) => `${(x * 100).toFixed(1)}`;

const rows = [];
const totals = { altered: 0, overBudget: 0 };
async function scenario(appName, strategies, seeds) {
  for (const strategy of strategies) {
    const results = [];
    for (let seed = 1; seed <= seeds; seed += 1) {
      const r = await once(appName, strategy, seed);
      results.push(r);
      totals.altered += r.altered;
      if (r.runs > 600 || (r.stored ?? 0) > 600) totals.overBudget += 1;
    }
    const gains = results.map((r) => r.gain);
    rows.push({
      app: appName,
      strategy,
      seeds,
      mean: mean(gains),
      sd: sd(gains),
      min: Math.min(...gains),
      proven: results.filter((r) => r.proven).length / seeds,
      accepted: results.filter((r) => r.accepted).length / seeds,
      runs: mean(results.map((r) => r.runs)),
      maxRuns: Math.max(...results.map((r) => Math.max(r.runs, r.stored ?? 0))),
      calls: mean(results.map((r) => r.calls)),
      ms: mean(results.map((r) => r.ms)),
      bestGain: mean(results.map((r) => r.bestGain)),
    });
    const row = rows.at(-1);
    process.stderr.write(
      `${appName} ${strategy}: gain ${pts(row.mean)} ± ${pts(row.sd)} (min ${pts(row.min)}), proven ${(row.proven * 100).toFixed(0)}%, accepted ${(row.accepted * 100).toFixed(0)}%\n`,
    );
  }
}

const started = performance.now();
const only = process.env.BENCH_APPS?.split(',');
const STRATEGIES = process.env.BENCH_STRATEGIES?.split(',') ?? [
  'reflective',
  'random',
  'greedy',
  'none',
];
for (const app of ['single', 'multi', 'drops'])
  if (only === undefined || only.includes(app)) await scenario(app, STRATEGIES, SEEDS);
if (only === undefined || only.includes('nobetter')) {
  await scenario('nobetter', ['reflective'], FA_SEEDS);
  await scenario('nobetter', ['random', 'greedy'], Math.min(FA_SEEDS, 30));
}

console.log(
  `\nbench:optimizer — budget 600 runs, held-out 40 cases × 2, validation 20, minibatch 4; ${SEEDS} seeds per app (${FA_SEEDS} on nobetter)`,
);
console.log('true held-out gain of what was applied, in points (0 when nothing was applied)\n');
console.log(
  'app       strategy    seeds  gain mean  sd     min     proven≥20  accepted  runs(max)   calls  wall s  best-candidate gain',
);
for (const r of rows) {
  console.log(
    `${r.app.padEnd(9)} ${r.strategy.padEnd(11)} ${String(r.seeds).padStart(5)}  ${pts(r.mean).padStart(9)}  ${pts(r.sd).padStart(5)}  ${pts(r.min).padStart(6)}  ${`${(r.proven * 100).toFixed(0)}%`.padStart(9)}  ${`${(r.accepted * 100).toFixed(0)}%`.padStart(8)}  ${`${r.runs.toFixed(0)}(${r.maxRuns})`.padStart(9)}  ${r.calls.toFixed(1).padStart(6)}  ${(r.ms / 1000).toFixed(1).padStart(6)}  ${pts(r.bestGain).padStart(6)}`,
  );
}
const ref = (app) => rows.find((r) => r.app === app && r.strategy === 'reflective');
const lead = ['single', 'multi', 'drops']
  .filter(
    (app) => ref(app) !== undefined && rows.some((r) => r.app === app && r.strategy === 'greedy'),
  )
  .map((app) => {
    const others = rows.filter(
      (r) => r.app === app && (r.strategy === 'random' || r.strategy === 'greedy'),
    );
    const lead = ref(app).mean - Math.max(...others.map((r) => r.mean));
    return `${app} ${lead >= 0 ? '+' : ''}${pts(lead)}`;
  });
console.log(`\nreflective against the better baseline: ${lead.join(', ')} points`);
console.log(
  `false acceptance on nobetter: ${rows
    .filter((r) => r.app === 'nobetter')
    .map((r) => `${r.strategy} ${(r.accepted * 100).toFixed(1)}% of ${r.seeds}`)
    .join(', ')}`,
);
console.log(
  `candidates run with altered references: ${totals.altered}; optimizations over the run budget: ${totals.overBudget}`,
);
console.log(`total wall ${((performance.now() - started) / 1000).toFixed(0)} s`);
