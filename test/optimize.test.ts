// The optimizer over real loopback HTTP: the simulator (Dify's API and console, and a proposer
// with a set skill and faults) or a scripted OpenAI-compatible proposer; a real SQLite store.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import { applyOptimization } from '../src/optimizer/apply-optimization.js';
import { optimize, type OptimizeOptions } from '../src/optimizer/optimize.js';
import { OptimizeError } from '../src/optimizer/optimize-error.js';
import type { CandidateEvent } from '../src/optimizer/search.js';
import { cli, until } from './support/cli-process.js';
import { FakeProposer, currentText } from './support/fake-proposer.js';
import { exampleConfig, optimizeRig, type OptimizeRig } from './support/optimize-setup.js';

const SPEC_KEYS = [
  'optimization_id',
  'workflow',
  'strategy',
  'accepted',
  'reason',
  'baseline',
  'best',
  'p_value',
  'runs_used',
  'budget',
  'proposer_calls',
  'candidates',
  'applied',
  'published',
  'dsl_path',
  'diff_path',
  'report_path',
];

interface OptimizeJsonShape {
  optimization_id: string;
  accepted: boolean;
  reason: string;
  baseline: { validation: number; heldout: number };
  best: { candidate_id: string; validation: number; heldout: number | null };
  p_value: number | null;
  runs_used: number;
  budget: { runs: number };
  proposer_calls: number;
  dsl_path: string;
  diff_path: string;
  report_path: string;
}

let rig: OptimizeRig | undefined;
let fake: FakeProposer | undefined;
afterEach(async () => {
  await rig?.close();
  await fake?.close();
  rig = undefined;
  fake = undefined;
});

function options(r: OptimizeRig, extra: Partial<OptimizeOptions> = {}): OptimizeOptions {
  return {
    loaded: r.loaded,
    store: r.store,
    toolVersion: 'test',
    overrides: {},
    proposer: r.proposer,
    console: r.builtIn.console,
    signal: new AbortController().signal,
    ...extra,
  };
}

/** The prompt texts of a DSL, in order. */
function promptTexts(yamlText: string): string[] {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null)
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else walk(value);
      }
  };
  walk(parse(yamlText));
  return texts;
}

describe('dify-autoopt optimize on the simulator', () => {
  it('optimizes the quickstart through the CLI: --json is the spec object, the DSL differs only in accepted prompts', async () => {
    const { dir, file } = exampleConfig();
    const exit = await cli(['optimize', '-c', file, '-o', join(dir, 'out'), '--json'], dir, {
      SUPPORT_KEY: 'app-optimize-secret-key',
    }).done;
    expect(exit.code, exit.err).toBe(0);
    const json = JSON.parse(exit.out) as OptimizeJsonShape;
    expect(Object.keys(json)).toEqual(SPEC_KEYS);
    expect(json.accepted).toBe(true);
    expect(json.reason).toMatch(/^p=[\d.e-]+ < 0\.05 and gain [\d.]+ >= 0\.05$/);
    expect(json.best.heldout! - json.baseline.heldout).toBeGreaterThanOrEqual(0.05);
    expect(json.runs_used).toBeLessThanOrEqual(600);
    expect(json.budget).toEqual({ runs: 600 });
    expect(exit.err).toContain('held-out proof of');
    // Only the accepted prompts differ from the app's DSL; every other key is kept.
    const original = readFileSync(join(dir, 'dsl/support-assistant.yml'), 'utf8');
    const patched = readFileSync(json.dsl_path, 'utf8');
    const before = promptTexts(original);
    const after = promptTexts(patched);
    expect(after).toHaveLength(before.length);
    expect(after.filter((t, i) => t !== before[i]).length).toBeGreaterThan(0);
    for (const [i, text] of after.entries())
      if (text !== before[i]) expect(text.startsWith(before[i]!.trimEnd())).toBe(true);
    const strip = (y: string): unknown => {
      const doc = parse(y) as { app: unknown; workflow: { graph: { nodes: unknown[] } } };
      return { ...doc, workflow: { ...doc.workflow, graph: { edges: [], nodes: [] } } };
    };
    expect(strip(patched)).toEqual(strip(original));
    const diff = readFileSync(json.diff_path, 'utf8');
    expect(diff).toContain('--- a/llm_node.');
    expect(diff).toMatch(/^\+/m);
    const html = readFileSync(json.report_path, 'utf8');
    for (const part of [
      'The pool',
      'Lineage',
      'Edits of the pick',
      'Held-out cases that flipped',
      '<svg',
    ])
      expect(html).toContain(part);
    expect(JSON.parse(readFileSync(join(dir, 'out/optimize.json'), 'utf8'))).toEqual(json);
    // No key in the store, the report or the JSON.
    for (const path of [join(dir, 'runs.db'), json.report_path, join(dir, 'out/optimize.json')])
      expect(readFileSync(path).includes('app-optimize-secret-key')).toBe(false);
  }, 60_000);

  it('never exceeds the run budget, stores each run once, and deletes the sandbox', async () => {
    rig = await optimizeRig({ 'optimization.budget.runs': 400 });
    const outcome = await optimize(options(rig));
    expect(outcome.runsUsed).toBeLessThanOrEqual(400);
    const results = [...rig.store.results(outcome.id)];
    expect(results).toHaveLength(outcome.runsUsed);
    expect(new Set(results.map((r) => r.caseId)).size).toBe(results.length);
    expect(rig.builtIn.simulator.stats().runsStarted).toBe(outcome.runsUsed);
    expect(rig.store.sandboxes(outcome.id).every((s) => s.deletedAt !== null)).toBe(true);
    // Only the user's app is left in the console.
    expect(Object.keys(rig.builtIn.simulator.stats().apps)).toEqual(['support']);
    // Held-out cases are run only for the baseline and the pick.
    const steps = rig.store.optimizationSteps(outcome.id, 'evaluation') as {
      set: string;
      candidateId: string;
    }[];
    const heldout = steps.filter((s) => s.set === 'heldout').map((s) => s.candidateId);
    expect(heldout).toEqual(
      outcome.verdict === undefined ? ['c0'] : ['c0', outcome.search.best.id],
    );
  }, 60_000);

  it('resumes after Ctrl-C without running again anything that finished', async () => {
    rig = await optimizeRig();
    const controller = new AbortController();
    let seen = 0;
    const first = optimize(
      options(rig, {
        signal: controller.signal,
        onEvent: () => {
          seen += 1;
          if (seen === 4) controller.abort();
        },
      }),
    );
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptimizeError);
    expect((error as OptimizeError).code).toBe('E_OPTIMIZE_INTERRUPTED');
    const [stored] = rig.store.listRuns(1);
    const id = stored!.id;
    expect(rig.store.getOptimization(id)?.status).toBe('interrupted');
    expect(rig.store.sandboxes(id).every((s) => s.deletedAt !== null)).toBe(true);
    const finishedBefore = [...rig.store.results(id)].filter(
      (r) => r.status !== 'cancelled',
    ).length;
    const startedBefore = rig.builtIn.simulator.stats().runsStarted;
    const callsBefore = rig.builtIn.simulator.stats().proposerCalls;
    const journalled = rig.store.optimizationSteps(id, 'reply').length;
    const events: CandidateEvent[] = [];
    const outcome = await optimize(options(rig, { resume: id, onEvent: (e) => events.push(e) }));
    expect(outcome.id).toBe(id);
    const runAgain = rig.builtIn.simulator.stats().runsStarted - startedBefore;
    // Every run of the budget ran once, but for the few cancelled in flight.
    expect(runAgain).toBe(outcome.runsUsed - finishedBefore);
    expect(rig.builtIn.simulator.stats().proposerCalls - callsBefore).toBe(
      outcome.proposerCalls - journalled,
    );
    // The replayed part of the search is the same search.
    expect(events.slice(0, 3).map((e) => e.id)).toEqual(['c1', 'c2', 'c3']);
    expect(rig.store.getOptimization(id)?.status).toBe('running');
    expect(outcome.runsUsed).toBeLessThanOrEqual(600);
  }, 60_000);

  it('survives kill -9: --resume finishes the optimization from the store', async () => {
    const { dir, file } = exampleConfig({ 'workflows.0.simulator.behaviour.latency_ms': 40 });
    const first = cli(['optimize', '-c', file, '-o', join(dir, 'out')], dir);
    await until(() => /c3 \(/.test(first.output()), 40_000);
    first.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const id = /optimization (\S+)/.exec(killed.out)?.[1];
    expect(id).toBeDefined();
    const again = await cli(
      ['optimize', '-c', file, '--resume', id!, '--json', '-o', join(dir, 'out')],
      dir,
    ).done;
    expect(again.code, again.err).toBe(0);
    const json = JSON.parse(again.out) as OptimizeJsonShape;
    expect(json.optimization_id).toBe(id);
    expect(json.runs_used).toBeLessThanOrEqual(600);
  }, 90_000);

  it('Ctrl-C in the CLI: stops cleanly, deletes the sandbox, prints the resume command', async () => {
    const { dir, file } = exampleConfig({ 'workflows.0.simulator.behaviour.latency_ms': 40 });
    const first = cli(['optimize', '-c', file, '-o', join(dir, 'out')], dir);
    await until(() => /c2 \(/.test(first.output()), 40_000);
    first.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    const id = /optimization (\S+)/.exec(stopped.out)?.[1];
    expect(stopped.err).toContain(
      `interrupted: resume with dify-autoopt optimize -c ${file} --resume ${id!}`,
    );
    expect(stopped.err).not.toContain('a sandbox copy was left');
  }, 60_000);

  it('applies an accepted pick to the app, and refuses when the app was edited since the export', async () => {
    rig = await optimizeRig();
    const outcome = await optimize(options(rig));
    expect(outcome.accepted).toBe(true);
    const app = rig.builtIn.simulator.app('support');
    const console = new DifyConsoleClient({ baseUrl: rig.builtIn.console.baseUrl });
    await console.login(rig.builtIn.console);
    // Someone edits the app's draft during the optimization: nothing is written.
    const draft = await console.getDraft('support');
    const graph = JSON.parse(
      JSON.stringify(draft.graph).replace('"title":"Answer"', '"title":"Edited"'),
    ) as typeof draft.graph;
    await console.syncDraft('support', { ...draft, graph });
    const edited = app.dsl.yaml;
    const refused = await applyOptimization(outcome, { publish: false }).catch((e: unknown) => e);
    expect((refused as OptimizeError).code).toBe('E_OPTIMIZE_APPLY_CONFLICT');
    expect((refused as Error).message).toContain('nothing was written');
    expect(app.dsl.yaml).toBe(edited);
    // On the app as exported, the pick is written, then published.
    const again = await optimize(options(rig));
    expect(again.accepted).toBe(true);
    const state = await applyOptimization(again, { publish: true });
    expect(state).toEqual({ applied: true, published: true });
    const texts = promptTexts(rig.builtIn.simulator.app('support').dsl.yaml);
    for (const text of Object.values(again.search.best.prompts)) expect(texts).toContain(text);
    expect(app.versions.length).toBeGreaterThan(0);
  }, 90_000);
});

describe('dify-autoopt optimize: bad input before any run', () => {
  async function refused(
    changes: Record<string, unknown>,
    args: string[] = [],
    files: Record<string, string> = {},
  ): Promise<string> {
    const { dir, file } = exampleConfig(changes, files);
    const exit = await cli(['optimize', '-c', file, ...args], dir).done;
    expect(exit.code).toBe(2);
    expect(exit.out).not.toContain('baseline:');
    return exit.err;
  }

  it('too few cases: says how many are needed', async () => {
    expect(await refused({ 'optimization.split.heldout': 100 })).toMatch(
      /E_OPTIMIZE_TOO_FEW_CASES: optimization needs at least 124 distinct cases .* the suite has 120/,
    );
  });

  it('a budget that cannot buy the proof: says how many runs', async () => {
    expect(await refused({}, ['--budget-runs', '150'])).toMatch(
      /E_OPTIMIZE_BUDGET: a budget of 150 runs cannot buy .* it needs at least 240/,
    );
  });

  it('a target that names nothing: lists the prompts the app has', async () => {
    expect(await refused({ 'optimization.targets': ['llm_node.instruction'] })).toMatch(
      /E_OPTIMIZE_TARGET: optimization.targets: app support has no prompt llm_node.instruction; it has llm_node.system, llm_node.user/,
    );
  });

  it('an app with no prompt to optimize', async () => {
    const noLlm = [
      'app: {name: plain, mode: workflow}',
      'kind: app',
      'version: 0.3.1',
      'workflow:',
      '  graph:',
      '    edges: [{id: e1, source: start_node, target: end_node}]',
      '    nodes:',
      '      - {id: start_node, data: {type: start, title: Start, variables: [{variable: kind, type: text-input, required: true}, {variable: question, type: paragraph, required: true}]}}',
      '      - {id: end_node, data: {type: end, title: End, outputs: [{variable: answer, value_selector: [start_node, question]}]}}',
      '',
    ].join('\n');
    expect(
      await refused({ 'workflows.0.simulator.dsl': 'dsl/no-llm.yml' }, [], {
        'dsl/no-llm.yml': noLlm,
      }),
    ).toMatch(/E_OPTIMIZE_TARGET: app support has no prompt to optimize/);
  });

  it('a real Dify without console credentials, or without app_id', async () => {
    expect(await refused({ 'dify.base_url': 'http://127.0.0.1:9' })).toMatch(
      /dify.email and dify.password are needed/,
    );
    expect(
      await refused({
        'dify.base_url': 'http://127.0.0.1:9',
        'dify.email': 'a@b.c',
        'dify.password': 'pw',
      }),
    ).toMatch(/workflows.support.app_id is needed/);
  });

  it('an unknown app_id in the console', async () => {
    rig = await optimizeRig({ 'workflows.0.app_id': 'no-such-app' });
    const error = await optimize(options(rig)).catch((e: unknown) => e);
    expect((error as OptimizeError).code).toBe('E_OPTIMIZE_CONFIG');
    expect((error as Error).message).toBe(
      'workflows.support.app_id: the console has no app no-such-app',
    );
    expect(rig.store.listRuns()).toHaveLength(0);
  });

  it('a real Dify with no proposer configured', async () => {
    const { dir, file } = exampleConfig({ 'optimization.proposer': undefined });
    const exit = await cli(['optimize', '-c', file], dir).done;
    expect(exit.code).toBe(0);
    const real = exampleConfig({
      'optimization.proposer': undefined,
      'dify.base_url': 'http://127.0.0.1:9',
      'dify.email': 'a@b.c',
      'dify.password': 'pw',
      'workflows.0.app_id': 'x',
    });
    const refusedExit = await cli(['optimize', '-c', real.file], real.dir).done;
    expect(refusedExit.code).toBe(2);
    expect(refusedExit.err).toContain('optimization needs a proposer');
  }, 60_000);
});

describe('dify-autoopt optimize: a proposer that fails', () => {
  it('down: the search stops cleanly after three failed calls, nothing is applied', async () => {
    const { dir, file } = exampleConfig({
      'optimization.proposer': {
        base_url: 'http://127.0.0.1:9/v1',
        model: 'm',
        max_attempts: 2,
        backoff: 0.01,
      },
    });
    const exit = await cli(
      ['optimize', '-c', file, '--json', '--apply', '-o', join(dir, 'out')],
      dir,
    ).done;
    expect(exit.code, exit.err).toBe(0);
    const json = JSON.parse(exit.out) as OptimizeJsonShape & { applied: boolean };
    expect(json.accepted).toBe(false);
    expect(json.applied).toBe(false);
    expect(json.proposer_calls).toBe(3);
    expect(exit.err).toContain(
      'the proposer failed 3 times in a row: the proposer failed after 2 attempt(s): E_PROPOSER_UNREACHABLE',
    );
    expect(exit.err).toContain('nothing applied: no improvement was proven');
  }, 60_000);

  it('rate-limited, failing or answering garbage: retried, refused with one retry naming why', async () => {
    fake = await FakeProposer.start();
    fake.script.push(
      { kind: 'http', status: 429, retryAfter: '0' },
      { kind: 'content', content: 'I think it is fine as it is.' },
      { kind: 'content', content: '', finishReason: 'length' },
      { kind: 'http', status: 503 },
    );
    rig = await optimizeRig({ 'optimization.budget.proposer_calls': 6 }, fake.baseUrl);
    const outcome = await optimize(options(rig));
    const [first, second] = outcome.search.events;
    // A 429 retried by the executor inside one call; prose refused; the retry cut short.
    expect(first?.status).toBe('refused');
    expect(first?.reason).toBe('refused twice: the reply was cut short (finish_reason: length)');
    const retry = fake.calls[2]!.messages.at(-1)!.content;
    expect(retry).toMatch(
      /^That reply cannot be used: the new text drops \{\{#start_node\.kind#\}\}/,
    );
    // A 503 retried, then a good reply.
    expect(second?.status).not.toBe('refused');
    expect(second?.text).toContain('Answer carefully.');
    expect(outcome.proposerCalls).toBeLessThanOrEqual(6);
  }, 60_000);

  it('dropping references: no candidate missing a reference is ever run or applied', async () => {
    fake = await FakeProposer.start();
    fake.fallback = (user) => ({
      kind: 'content',
      content: `\`\`\`\n${currentText(user).replace(/\{\{#[^#]+#\}\}/g, 'the input')}\nBe precise.\n\`\`\``,
    });
    rig = await optimizeRig({ 'optimization.budget.proposer_calls': 8 }, fake.baseUrl);
    const outcome = await optimize(options(rig));
    expect(outcome.search.events.length).toBeGreaterThan(0);
    for (const event of outcome.search.events) {
      expect(event.status).toBe('refused');
      expect(event.reason).toMatch(
        /refused twice: the new text drops \{\{#start_node\.(kind|question)#\}\}/,
      );
    }
    expect(outcome.accepted).toBe(false);
    expect(outcome.search.best.id).toBe('c0');
    // Only the baseline ran: validation, held-out, and each parent's minibatch.
    const ran = new Set([...rig.store.results(outcome.id)].map((r) => r.variant));
    expect(ran).toEqual(new Set(['c0']));
  }, 60_000);

  it('sends the proposer no Dify key or password, only its own key', async () => {
    fake = await FakeProposer.start();
    rig = await optimizeRig(
      { 'optimization.budget.proposer_calls': 3, 'workflows.0.api_key': 'app-very-secret-key' },
      fake.baseUrl,
    );
    await optimize(options(rig));
    expect(fake.calls.length).toBeGreaterThan(0);
    for (const call of fake.calls) {
      expect(call.authorization).toBe('Bearer sk-proposer-secret-123');
      expect(call.body).not.toContain('app-very-secret-key');
      expect(call.body).not.toContain(rig.builtIn.console.password);
    }
    const user = fake.calls[0]!.messages[1]!.content;
    expect(user).toContain('Prompt to improve: llm_node.');
    expect(user).toContain('### Case 1');
    expect(user).toMatch(/Verdict: (passed|failed)/);
    expect(user).toContain('- resolved: ');
    const store = readFileSync(join(rig.dir, 'runs.db'));
    expect(store.includes('sk-proposer-secret-123')).toBe(false);
  }, 60_000);
});
