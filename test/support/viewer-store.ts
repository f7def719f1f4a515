import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../../src/store/run-store.js';
import { aCase, aResult } from './records.js';

/** What the viewer's tests look for: a secret the config held, and model text with markup. */
export const SECRET = 'app-SECRET-never-served';
export const HOSTILE =
  '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

const grade = (name: string, pass: boolean, reason: string): unknown => ({
  name,
  type: 'contains',
  pass,
  score: pass ? 1 : 0,
  reason,
});

/**
 * Writes run `id` of `n` cases of workflow `wf` into `store`: case i passes when `passes(i)`;
 * case 3 answers {@link HOSTILE}; each has a three-node timeline.
 */
export function writeRun(
  store: RunStore,
  id: string,
  n: number,
  passes: (i: number) => boolean,
  options: {
    readonly variant?: string;
    readonly finish?: boolean;
    /** Cases of another variant in a run already made: their ids start with `prefix`. */
    readonly prefix?: string;
    /** How many of the cases have a result yet (all by default). */
    readonly results?: number;
  } = {},
): void {
  const prefix = options.prefix ?? '';
  if (prefix === '')
    store.createRun({
      id,
      configFile: '/project/suite.yaml',
      config: { workflows: [{ id: 'wf', api_key: SECRET }] },
      toolVersion: '0.1.0',
    });
  const variant = options.variant ?? null;
  store.addCases(
    id,
    Array.from({ length: n }, (_, i) =>
      aCase(`${prefix}case-${String(i)}`, {
        position: i,
        caseIndex: i,
        variant,
        inputs: { topic: `topic ${String(i)}` },
      }),
    ),
  );
  store.saveResults(
    id,
    Array.from({ length: options.results ?? n }, (_, i) =>
      aResult(`${prefix}case-${String(i)}`, {
        variant,
        answer: i === 3 ? HOSTILE : `answer about topic ${String(i)}`,
        passed: passes(i),
        score: passes(i) ? 1 : 0,
        durationMs: 50 + ((i * 37) % 400),
        tokens: 10 + (i % 7),
        cost: 0.001,
        grades: [
          grade(
            'mentions topic',
            passes(i),
            passes(i) ? 'found "topic"' : 'no "topic" in the answer',
          ),
        ],
        nodes: [
          { nodeId: 'start', nodeType: 'start', title: 'Start', status: 'succeeded', elapsedMs: 2 },
          {
            nodeId: 'llm',
            nodeType: 'llm',
            title: 'LLM',
            status: 'succeeded',
            elapsedMs: 40,
            totalTokens: 12,
          },
          { nodeId: 'end', nodeType: 'end', title: 'End', status: 'succeeded', elapsedMs: 1 },
        ],
      }),
    ),
  );
  if (options.finish !== false) store.setRunStatus(id, 'finished');
}

/** An optimization journal as the optimizer writes it: baseline prompts, evaluations, candidates. */
export function writeOptimization(store: RunStore, id: string): void {
  writeRun(store, id, 4, (i) => i % 2 === 0);
  store.createOptimization({ id, workflowId: 'wf', strategy: 'reflective', settings: { seed: 1 } });
  store.addOptimizationStep(id, 'prompts', 0, { 'llm.system': 'Answer the question.' });
  // Validation: c0 best on case k0, c1 on k1 and k2; both in the Pareto pool.
  for (const [seq, candidateId, values] of [
    [0, 'c0', [1, 0, 0]],
    [1, 'c1', [0, 1, 1]],
  ] as const)
    store.addOptimizationStep(id, 'evaluation', seq, {
      seq,
      candidateId,
      set: 'validation',
      scores: Object.fromEntries(values.map((v, i) => [`k${String(i)}`, [v]])),
      runs: 3,
      cost: 0,
      ms: 1,
    });
  store.addOptimizationStep(id, 'candidate', 0, {
    id: 'c1',
    parent: 'c0',
    target: 'llm.system',
    status: 'validated',
    reason: 'won its minibatch',
    text: 'Answer the question, naming its topic.',
    reasoning: 'the failures lacked the topic',
    runsAt: 9,
    validation: 2 / 3,
  });
  store.addOptimizationStep(id, 'candidate', 1, {
    id: 'c2',
    parent: 'c1',
    target: 'llm.system',
    status: 'lost-minibatch',
    reason: 'did not beat its parent on the minibatch',
    text: 'Be brief.',
    reasoning: '',
    runsAt: 12,
  });
  store.setOptimizationStatus(id, 'finished', {
    optimization_id: id,
    workflow: 'wf',
    strategy: 'reflective',
    accepted: true,
    reason: 'p=0.01 < 0.05',
    baseline: { validation: 1 / 3, heldout: 0.4 },
    best: { candidate_id: 'c1', validation: 2 / 3, heldout: 0.8 },
    p_value: 0.01,
    runs_used: 12,
    budget: { runs: 20 },
  });
}

/**
 * A store for the viewer: `base` (10 cases, even ones pass), `head` (the same cases, all but
 * case 4 pass: 4 improved, case 4 regressed... see the tests), and optimization `opt`.
 */
export function viewerStore(): { readonly path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'viewer-')), 'runs.db');
  const store = RunStore.open(path);
  writeRun(store, 'base', 10, (i) => i % 2 === 0);
  writeRun(store, 'head', 10, (i) => i !== 4);
  writeOptimization(store, 'opt');
  store.close();
  return { path };
}
