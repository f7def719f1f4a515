import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/config-schema.js';
import { chooseWorkflow, settingsOf } from './optimization-settings.js';

function config(workflows: string[], optimization: unknown = {}) {
  return configSchema.parse({
    dify: { base_url: 'simulator' },
    workflows: workflows.map((id) => ({ id, api_key: 'k' })),
    optimization,
  });
}

describe('the optimization settings', () => {
  it('choose the only workflow, or the one --workflow names, saying which exist', () => {
    expect(chooseWorkflow(config(['a']), undefined).id).toBe('a');
    expect(chooseWorkflow(config(['a', 'b']), 'b').id).toBe('b');
    expect(() => chooseWorkflow(config(['a', 'b']), undefined)).toThrow(
      'the configuration has 2 workflows (a, b): say which to optimize with --workflow',
    );
    expect(() => chooseWorkflow(config(['a', 'b']), 'c')).toThrow(
      '--workflow c: no such workflow (a, b)',
    );
  });

  it("take the section's values and the spec's defaults, the command line over them", () => {
    const defaults = settingsOf(config(['a']).optimization, 'a', {});
    expect(defaults).toEqual({
      workflow: 'a',
      strategy: 'reflective',
      seed: 7,
      targets: 'all',
      budget: { runs: 600, proposerCalls: 60, maxCost: 5, timeMs: 1_800_000 },
      split: { heldout: 40, validation: 20 },
      minibatch: 4,
      heldoutRepeats: 2,
      acceptance: { alpha: 0.05, margin: 0.05 },
    });
    const section = config(['a'], {
      strategy: 'greedy',
      targets: ['llm.system'],
      budget: { runs: 300, time: '2h' },
      split: { seed: 3, heldout: 0.3 },
    }).optimization;
    expect(settingsOf(section, 'a', {})).toMatchObject({
      strategy: 'greedy',
      seed: 3,
      targets: ['llm.system'],
      budget: { runs: 300, timeMs: 7_200_000 },
      split: { heldout: 0.3, validation: 20 },
    });
    expect(
      settingsOf(section, 'a', { strategy: 'random', budgetRuns: 900, seed: 11 }),
    ).toMatchObject({
      strategy: 'random',
      seed: 11,
      budget: { runs: 900 },
    });
  });

  it('read durations in seconds, minutes and hours, and refuse others', () => {
    const time = (value: unknown) =>
      config(['a'], { budget: { time: value } }).optimization.budget.time;
    expect(time(90)).toBe(90_000);
    expect(time('90s')).toBe(90_000);
    expect(time('1.5m')).toBe(90_000);
    expect(time('30m')).toBe(1_800_000);
    expect(() => time('30 days')).toThrow('a duration: 90s, 30m or 2h');
    expect(() => time(-1)).toThrow();
    expect(() => config(['a'], { strategy: 'best' })).toThrow();
    expect(() => config(['a'], { targets: [] })).toThrow();
  });
});
