import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { startSimulator, type BuiltIn } from '../../src/run/built-in-simulator.js';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.js';
import { OpenAiProposer } from '../../src/optimizer/proposer.js';
import { ProposerRunner } from '../../src/optimizer/proposer-runner.js';
import { RunStore } from '../../src/store/run-store.js';

/** Changes to a configuration: a dotted key path (`optimization.budget.runs`) → its value. */
export type Changes = Readonly<Record<string, unknown>>;

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const index = Array.isArray(node) ? Number(key) : key;
    const next = (node as Record<string | number, unknown>)[index];
    if (typeof next !== 'object' || next === null)
      (node as Record<string | number, unknown>)[index] = {};
    node = (node as Record<string | number, unknown>)[index] as Record<string, unknown>;
  }
  const last = keys.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
}

/** A copy of the examples with `optimize.yaml` changed, written as `opt.yaml`. */
export function exampleConfig(
  changes: Changes = {},
  files: Readonly<Record<string, string>> = {},
): {
  readonly dir: string;
  readonly file: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'optimize-'));
  cpSync(resolve('examples'), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const config = parse(readFileSync(join(dir, 'optimize.yaml'), 'utf8')) as Record<string, unknown>;
  config.store = { path: join(dir, 'runs.db') };
  for (const [path, value] of Object.entries(changes)) setPath(config, path, value);
  const file = join(dir, 'opt.yaml');
  writeFileSync(file, stringify(config));
  return { dir, file };
}

/** The example on its simulator, ready for `optimize`: config, store, simulator, proposer. */
export interface OptimizeRig {
  readonly dir: string;
  readonly loaded: LoadedConfig;
  readonly store: RunStore;
  readonly builtIn: BuiltIn;
  readonly proposer: ProposerRunner;
  close(): Promise<void>;
}

export async function optimizeRig(
  changes: Changes = {},
  proposerUrl?: string,
): Promise<OptimizeRig> {
  const { dir, file } = exampleConfig(changes);
  const loaded = await loadConfig(file);
  const builtIn = await startSimulator(loaded);
  const store = RunStore.open(join(dir, 'runs.db'));
  const proposer = new ProposerRunner(
    new OpenAiProposer({
      baseUrl: proposerUrl ?? `${builtIn.simulator.url}/v1`,
      model: 'simulated-proposer',
      apiKey: 'sk-proposer-secret-123',
      temperature: 0.7,
      timeoutMs: 10_000,
    }),
    { maxAttempts: 2, backoff: 0.01, timeout: 10 },
  );
  return {
    dir,
    loaded,
    store,
    builtIn,
    proposer,
    close: async () => {
      store.close();
      await builtIn.simulator.close();
    },
  };
}
