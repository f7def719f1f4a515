// Inputs Dify would refuse are caught by `validate --remote` before any run reaches the app.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/cli-context.js';
import { main } from '../../src/cli/main.js';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { startSimulator } from '../support/simulator.js';

let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-validate-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'strict',
        api_key: 'app-strict-key',
        dsl_yaml:
          'app: {name: s, mode: workflow}\nkind: app\nversion: 0.3.1\nworkflow:\n  graph:\n    nodes:\n      - id: start\n        data: {type: start, title: Start, variables: [{variable: topic, type: text-input, required: true, max_length: 12}, {variable: tone, type: select, required: false, options: [formal, casual]}]}\n      - id: end\n        data: {type: end, title: End, outputs: [{variable: answer, value_selector: [start, topic]}]}\n    edges: [{source: start, target: end}]\n',
        behaviour: { latency_ms: 1 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

describe('validate --remote', () => {
  it('names every case Dify would refuse, and nothing is run', async () => {
    const file = join(dir, 'strict.yaml');
    writeFileSync(
      file,
      `dify: {base_url: ${sim.url}}\nworkflows:\n  - id: strict\n    api_key: app-strict-key\n    inputs:\n      topic: [ok, this topic is far too long, null]\n      tone: [formal, shouty, casual]\n`,
    );
    const before = sim.stats().runsStarted;
    const out: string[] = [];
    const code = await main(['node', 'x', 'validate', '-c', file, '--remote'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(ExitCode.BadInput);
    const text = out.join('\n');
    expect(text).toContain('topic is 26 characters, over max_length 12');
    expect(text).toMatch(/topic is required/);
    expect(text).toContain('tone is "shouty", not one of formal, casual');
    expect(sim.stats().runsStarted).toBe(before);
  });
});
