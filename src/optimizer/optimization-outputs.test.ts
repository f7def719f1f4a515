import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DslDocument } from '../dify/dsl-document.js';
import { promptSlots } from '../dify/prompt-slots.js';
import { RunStore } from '../store/run-store.js';
import { Journal } from './journal.js';
import type { OptimizationOutcome } from './optimize.js';
import { appliedPrompts, promptDiff, writeOptimizationOutputs } from './optimization-outputs.js';
import type { SearchCandidate } from './search.js';

const source = DslDocument.parse(readFileSync('examples/dsl/support-assistant.yml', 'utf8'));
const ORIGINAL =
  "You are the support assistant of an online shop. Answer the customer's {{#start_node.kind#}} question.";
const EDITED = `${ORIGINAL}\nQuote the <invoice>.`;

function candidate(
  id: string,
  parent: string | undefined,
  prompts: Record<string, string>,
  scores: number[],
): SearchCandidate {
  return {
    id,
    parent,
    target: parent === undefined ? undefined : 'llm_node.system',
    prompts,
    reasoning: parent === undefined ? '' : 'Billing cases failed: <added> an instruction.',
    scores: new Map(scores.map((s, i) => [String(i), s])),
    promptTokens: 10,
    runsAt: parent === undefined ? 100 : 180,
  };
}

function outcome(accepted: boolean): OptimizationOutcome {
  const c0 = candidate('c0', undefined, {}, [0, 1, 0, 0]);
  const c1 = candidate('c1', 'c0', { 'llm_node.system': EDITED }, [1, 1, 0, 1]);
  return {
    id: 'opt-1',
    settings: {
      workflow: 'support',
      strategy: 'reflective',
      seed: 7,
      targets: 'all',
      budget: { runs: 600, proposerCalls: 60, maxCost: 5, timeMs: 1e6 },
      split: { heldout: 40, validation: 20 },
      minibatch: 4,
      heldoutRepeats: 2,
      acceptance: { alpha: 0.05, margin: 0.05 },
    },
    appId: 'support',
    source,
    targets: promptSlots(source),
    exportedHash: 'abc',
    baseline: { validation: 0.25, heldout: 0.3 },
    search: {
      pool: [c0, c1],
      events: [
        {
          id: 'c1',
          parent: 'c0',
          target: 'llm_node.system',
          status: 'validated',
          reason: 'won its minibatch',
          text: EDITED,
          reasoning: c1.reasoning,
          parentMinibatch: 0.25,
          childMinibatch: 0.75,
          validation: 0.75,
          runsAt: 180,
        },
        {
          id: 'c2',
          parent: 'c1',
          target: 'llm_node.user',
          status: 'refused',
          reason: 'refused twice: <empty>',
          text: undefined,
          reasoning: '',
          parentMinibatch: 0.5,
          childMinibatch: undefined,
          validation: undefined,
          runsAt: 184,
        },
      ],
      best: c1,
      stopReason: 'the run budget (600) is spent',
    },
    bestHeldout: accepted ? 0.6 : 0.35,
    verdict: {
      accepted,
      pValue: accepted ? 0.00123456 : 0.3,
      gain: 0.3,
      baselineRate: 0.3,
      candidateRate: 0.6,
      reason: accepted
        ? 'p=0.0012 < 0.05 and gain 0.3 >= 0.05'
        : 'no improvement proven: p=0.3 >= 0.05 and gain 0.05 >= 0.05',
    },
    accepted,
    reason: accepted
      ? 'p=0.0012 < 0.05 and gain 0.3 >= 0.05'
      : 'no improvement proven: p=0.3 >= 0.05 and gain 0.05 >= 0.05',
    heldoutFlips: [{ key: '7', inputs: { kind: 'billing' }, baseline: [0, 0], best: [1, 1] }],
    runsUsed: 596,
    proposerCalls: 31,
    cost: 0.1182,
    console: undefined as never,
  };
}

describe("an optimization's outputs", () => {
  it('diff the pick against the app, saying whether it was applied', () => {
    expect(promptDiff(outcome(true)).split('\n').slice(0, 4)).toEqual([
      '# c1: accepted (p=0.0012 < 0.05 and gain 0.3 >= 0.05)',
      '===================================================================',
      '--- a/llm_node.system',
      '+++ b/llm_node.system',
    ]);
    expect(promptDiff(outcome(true))).toContain('+Quote the <invoice>.');
    expect(promptDiff(outcome(false)).split('\n')[0]).toBe(
      '# c1: not applied (no improvement proven: p=0.3 >= 0.05 and gain 0.05 >= 0.05)',
    );
    expect(appliedPrompts(outcome(false))).toEqual({});
    expect(appliedPrompts(outcome(true))).toEqual({ 'llm_node.system': EDITED });
  });

  it('write the patched DSL, the diff, the report and optimize.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    const json = await writeOptimizationOutputs(outcome(true), dir, {
      applied: true,
      published: false,
    });
    expect(json).toEqual({
      optimization_id: 'opt-1',
      workflow: 'support',
      strategy: 'reflective',
      accepted: true,
      reason: 'p=0.0012 < 0.05 and gain 0.3 >= 0.05',
      baseline: { validation: 0.25, heldout: 0.3 },
      best: { candidate_id: 'c1', validation: 0.75, heldout: 0.6 },
      p_value: 0.001235,
      runs_used: 596,
      budget: { runs: 600 },
      proposer_calls: 31,
      candidates: 1,
      applied: true,
      published: false,
      dsl_path: join(dir, 'optimized.dsl.yml'),
      diff_path: join(dir, 'prompts.diff'),
      report_path: join(dir, 'report.html'),
    });
    expect(JSON.parse(readFileSync(join(dir, 'optimize.json'), 'utf8'))).toEqual(json);
    expect(readFileSync(json.dsl_path, 'utf8')).toContain('Quote the <invoice>.');
    const html = readFileSync(json.report_path, 'utf8');
    expect(html).toContain('<b>Accepted</b>: p=0.0012 &#60; 0.05');
    expect(html).toContain('Billing cases failed: &#60;added&#62; an instruction.');
    expect(html).toContain('+Quote the &#60;invoice&#62;.');
    expect(html).toContain(
      '<td>c1</td><td>c0</td><td>llm_node.system</td><td>75.0%</td><td>on the front (best on 4)</td><td>180</td>',
    );
    expect(html).toContain('<li><span class="muted">c2</span> llm_node.user: refused');
    expect(html).toContain(
      '<td>7</td><td><code>{&#34;kind&#34;:&#34;billing&#34;}</code></td><td>0 0</td><td>1 1</td>',
    );
    expect(html).toContain('stopped because the run budget (600) is spent');
    const rejected = await writeOptimizationOutputs(
      outcome(false),
      mkdtempSync(join(tmpdir(), 'outputs-')),
      { applied: false, published: false },
    );
    expect(readFileSync(rejected.dsl_path, 'utf8')).toBe(source.toString());
    expect(readFileSync(rejected.report_path, 'utf8')).toContain('<b>Not accepted</b>');
  });
});

describe("an optimization's journal", () => {
  it('replays what it holds in order, then goes on live', () => {
    const store = RunStore.open(join(mkdtempSync(join(tmpdir(), 'journal-')), 'runs.db'));
    store.createRun({ id: 'o', configFile: null, config: {}, toolVersion: 't' });
    store.createOptimization({
      id: 'o',
      workflowId: 'w',
      strategy: 'reflective',
      settings: { a: 1 },
    });
    const first = new Journal(store, 'o');
    expect(first.replaying('reply')).toBe(false);
    const step = first.step('reply');
    expect(step).toEqual({ seq: 0, recorded: undefined });
    first.record('reply', step.seq, { content: 'one' });
    first.record('reply', first.step('reply').seq, { content: 'two' });
    const again = new Journal(store, 'o');
    expect(again.replaying('reply')).toBe(true);
    expect(again.step('reply')).toEqual({ seq: 0, recorded: { content: 'one' } });
    expect(again.step('reply')).toEqual({ seq: 1, recorded: { content: 'two' } });
    expect(again.replaying('reply')).toBe(false);
    expect(again.step('reply')).toEqual({ seq: 2, recorded: undefined });
    expect(again.step('evaluation')).toEqual({ seq: 0, recorded: undefined });
    expect(store.getOptimization('o')).toMatchObject({
      status: 'running',
      settings: { a: 1 },
      result: null,
    });
    store.setOptimizationStatus('o', 'finished', { accepted: true });
    expect(store.getOptimization('o')).toMatchObject({
      status: 'finished',
      result: { accepted: true },
    });
    expect(store.getOptimization('missing')).toBeUndefined();
    store.close();
  });
});
