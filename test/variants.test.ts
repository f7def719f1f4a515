// Prompt variants through runSuite against the simulator over loopback HTTP: side by side on one
// sandbox copy (the user's app only read), chat apps through a debug model config, and every
// fault the issue names: bad variants, a refused login, a stale sandbox, a deleted sandbox, an
// error event, Ctrl-C and resume, and no password anywhere.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import { loadRunReport } from '../src/report/run-report.js';
import { runSuite } from '../src/run/run-suite.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { SimDsl } from '../src/simulator/sim-dsl.js';
import { RunStore } from '../src/store/run-store.js';
import { startSimulator } from './support/simulator.js';

const PASSWORD = 'console-password-never-stored';
const credentials = { email: 'admin@example.com', password: PASSWORD };
let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'variants-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'support',
        api_key: 'app-support-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 5 },
      },
      {
        id: 'helper',
        api_key: 'app-helper-key',
        dsl_yaml:
          'app: {name: helper, mode: chat}\nkind: app\nversion: 0.3.1\nmodel_config: {pre_prompt: "You answer. Topic: {{topic}}", user_input_form: [{text-input: {variable: topic, label: Topic, required: false}}]}\n',
        behaviour: { latency_ms: 5 },
      },
      {
        id: 'task',
        api_key: 'app-task-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: {
          latency_ms: 1,
          task: {
            base: 0.2,
            temperature: 0,
            rules: [
              { kind: 'refund', instruction: 'mention the 30-day window', gain: 0.6 },
              {
                kind: 'shipping',
                instruction: 'give the tracking link',
                gain: 0.6,
                hurts: ['refund'],
                penalty: 0.15,
              },
            ],
          },
        },
      },
    ],
    console: credentials,
  });
});
afterAll(async () => {
  await sim.close();
});

const QUERIES = ['reset my password', 'see my invoices', 'change my email', 'delete my account'];

/** A config with the support workflow and its variants (YAML under `variants:`). */
function supportYaml(variants: string, extra = ''): string {
  return `workflows:\n  - id: support\n    api_key: app-support-key\n    app_id: support\n    inputs: {query: [${QUERIES.join(', ')}]}\n    assert:\n      - {type: starts_with, value: Certainly}\n    variants:\n${variants}${extra}`;
}

const TWO_VARIANTS =
  '      - name: current\n      - name: polite\n        prompts:\n          llm_node.system: "Be polite."\n';

async function load(name: string, yaml: string) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `dify:\n  base_url: ${sim.url}\n  email: admin@example.com\n  password: \${CONSOLE_PASSWORD}\n${yaml}`,
  );
  return loadConfig(file, { CONSOLE_PASSWORD: PASSWORD });
}

async function suite(
  name: string,
  yaml: string,
  extra: Partial<Parameters<typeof runSuite>[0]> = {},
) {
  const loaded = await load(name, yaml);
  const store = RunStore.open(join(dir, `${name}.db`));
  const summary = await runSuite({ loaded, store, toolVersion: 'test', ...extra });
  return { summary, store, loaded };
}

async function consoleClient(): Promise<DifyConsoleClient> {
  const client = new DifyConsoleClient({ baseUrl: sim.url });
  await client.login(credentials);
  return client;
}

const appIds = (): string[] => Object.keys(sim.stats().apps);

describe('variants', () => {
  it('runs each case once per variant on one sandbox copy, side by side, and deletes the copy', async () => {
    const exported = await (await consoleClient()).exportDsl('support');
    const before = appIds();
    const { summary, store } = await suite('side-by-side', supportYaml(TWO_VARIANTS));
    expect(summary).toMatchObject({ status: 'finished', total: 8, passed: 4, sandboxes: [] });
    const results = [...store.results(summary.runId)];
    expect(results.map((r) => r.variant)).toEqual([
      ...Array<string>(4).fill('current'),
      ...Array<string>(4).fill('polite'),
    ]);
    const [sandbox] = store.sandboxes(summary.runId);
    expect(sandbox?.sourceAppId).toBe('support');
    expect(sandbox?.deletedAt).toEqual(expect.any(Number) as unknown);
    expect(sandbox?.name).toMatch(/ \[dify-autoopt [0-9a-f]{6}\]$/);
    // The copy ran every case, and is gone; the user's app ran none and is as it was.
    expect(appIds()).toEqual(before);
    expect(await (await consoleClient()).exportDsl('support')).toBe(exported);
    expect(sim.app('support').runs.size).toBe(0);
    const { variants } = loadRunReport(store, summary.runId, { compareWith: false }).statistics;
    expect(variants.map((v) => [v.variant, v.passed, v.ended])).toEqual([
      ['current', 0, 4],
      ['polite', 4, 4],
    ]);
    expect(variants[0]?.vsFirst).toBeUndefined();
    expect(variants[1]?.vsFirst).toMatchObject({
      baseline: 'current',
      pairs: 4,
      pValue: 0.125,
      toFail: [],
    });
    expect(variants[1]?.vsFirst?.toPass).toHaveLength(4);
    expect(variants[1]?.interval[0]).toBeGreaterThan(0.4);
    store.close();
  });

  it('keeps the case ids of each variant stable across runs, and apart from the other variants', async () => {
    const first = await suite('stable-a', supportYaml(TWO_VARIANTS));
    const second = await suite('stable-b', supportYaml(TWO_VARIANTS));
    const ids = (s: typeof first) => s.store.cases(s.summary.runId).map((c) => c.caseId);
    expect(ids(first)).toEqual(ids(second));
    expect(new Set(ids(first)).size).toBe(8);
    first.store.close();
    second.store.close();
  });

  it("runs a chat app's variants as debug model configs, with no sandbox", async () => {
    const before = appIds();
    const { summary, store } = await suite(
      'chat',
      'workflows:\n  - id: helper\n    api_key: app-helper-key\n    app_id: helper\n    query: [hello there, good morning]\n    inputs: {topic: tea}\n    assert: [{type: javascript, value: "output === output.toUpperCase()"}]\n    variants:\n      - name: current\n      - name: loud\n        prompts: {pre_prompt: "Answer in uppercase. Topic: {{topic}}"}\n',
    );
    expect(summary).toMatchObject({ status: 'finished', total: 4, passed: 2 });
    expect(store.sandboxes(summary.runId)).toEqual([]);
    expect(appIds()).toEqual(before);
    const passedBy = [...store.results(summary.runId)].map(
      (r) => `${r.variant ?? ''}:${String(r.passed)}`,
    );
    expect(passedBy).toEqual(['current:false', 'current:false', 'loud:true', 'loud:true']);
    store.close();
  });

  it('refuses a variant naming a prompt the app lacks, at its line and column, listing what exists, before any run', async () => {
    const loaded = await load(
      'unknown',
      supportYaml(
        '      - name: current\n      - name: wrong\n        prompts:\n          llm_1.system: "Hi"\n',
      ),
    );
    const store = RunStore.open(join(dir, 'unknown.db'));
    const error = await runSuite({ loaded, store, toolVersion: 'test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem).toMatchObject({
      path: 'workflows.0.variants.1.prompts.llm_1.system',
      line: 16,
      column: 25,
    });
    expect(problem?.message).toContain('variant wrong, app support');
    expect(problem?.message).toContain('it has llm_node.system, llm_node.user');
    expect(store.listRuns()).toEqual([]);
    store.close();
  });

  it('refuses a variant that drops a reference, naming it', async () => {
    const loaded = await load(
      'dropped',
      supportYaml(
        '      - name: lost\n        prompts:\n          llm_node.user: "Answer the question."\n',
      ),
    );
    const store = RunStore.open(join(dir, 'dropped.db'));
    await expect(runSuite({ loaded, store, toolVersion: 'test' })).rejects.toThrow(
      /workflows\.0\.variants\.0\.prompts\.llm_node\.user: variant lost, app support: the new text drops \{\{#start_node\.query#\}\}/,
    );
    store.close();
  });

  it('says so when the console refuses the login, without the password, before any run', async () => {
    const loaded = await load('login', supportYaml(TWO_VARIANTS));
    const store = RunStore.open(join(dir, 'login.db'));
    const error = await runSuite({
      loaded: {
        ...loaded,
        config: {
          ...loaded.config,
          dify: { ...loaded.config.dify, password: 'wrong-secret-word' },
        },
      },
      store,
      toolVersion: 'test',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_DIFY_UNAUTHORIZED', status: 401 });
    expect((error as Error).message).not.toContain('wrong-secret-word');
    expect(store.listRuns()).toEqual([]);
    store.close();
  });

  it('refuses an app_id the console does not have, as a config error', async () => {
    const loaded = await load(
      'no-app',
      supportYaml(TWO_VARIANTS).replace('app_id: support', 'app_id: nope'),
    );
    const store = RunStore.open(join(dir, 'no-app.db'));
    await expect(runSuite({ loaded, store, toolVersion: 'test' })).rejects.toThrow(
      /workflows\.0\.app_id: the console has no app nope/,
    );
    store.close();
  });

  it('stops when someone edits the sandbox mid-run, overwriting nothing; resume finishes on it', async () => {
    const loaded = await load('stale', supportYaml(TWO_VARIANTS));
    const store = RunStore.open(join(dir, 'stale.db'));
    let edited = false;
    const summary = await runSuite({
      loaded,
      store,
      toolVersion: 'test',
      onResult: () => {
        if (edited) return;
        edited = true;
        // Someone edits the sandbox's draft in the studio, between this run's syncs.
        const [sandbox] = store.sandboxes(store.listRuns()[0]?.id ?? '');
        const app = sim.app(sandbox?.appId ?? '');
        app.dsl = new SimDsl(app.dsl.yaml.replace('You are a helpful', 'You are an edited'));
      },
    });
    expect(summary.status).toBe('stopped');
    expect(summary.reason).toMatch(
      /syncing variant polite: the draft of sandbox app .+ of workflow support was changed by someone else/,
    );
    expect(summary.byStatus).toEqual({ succeeded: 4 });
    expect(summary.sandboxes).toHaveLength(1);
    const resumed = await runSuite({ loaded, store, toolVersion: 'test', resume: summary.runId });
    expect(resumed).toMatchObject({
      status: 'finished',
      byStatus: { succeeded: 8 },
      sandboxes: [],
    });
    expect(store.sandboxes(summary.runId).map((s) => s.appId)).toEqual([
      summary.sandboxes[0]?.appId,
    ]);
    store.close();
  });

  it('stops when the sandbox is deleted mid-run, the failing case naming the variant and the app', async () => {
    const loaded = await load(
      'deleted',
      supportYaml(TWO_VARIANTS) + 'execution: {concurrency: 1}\n',
    );
    const store = RunStore.open(join(dir, 'deleted.db'));
    let deleted = false;
    const summary = await runSuite({
      loaded,
      store,
      toolVersion: 'test',
      onResult: () => {
        if (deleted) return;
        deleted = true;
        const [sandbox] = store.sandboxes(store.listRuns()[0]?.id ?? '');
        sim.removeApp(sandbox?.appId ?? '');
      },
    });
    expect(summary.status).toBe('stopped');
    expect(summary.reason).toMatch(/sandbox app .+ of workflow support was deleted during the run/);
    const missing = [...store.results(summary.runId)].find(
      (r) => r.errorCode === 'E_DIFY_NOT_FOUND',
    );
    expect(missing).toMatchObject({ status: 'failed', variant: 'current' });
    expect(missing?.errorMessage).toMatch(/^variant current of support on sandbox app .+: /);
    expect(summary.byStatus.cancelled).toBeGreaterThan(0);
    // Resume makes a new copy and finishes.
    const resumed = await runSuite({ loaded, store, toolVersion: 'test', resume: summary.runId });
    expect(resumed.status).toBe('finished');
    expect(store.sandboxes(summary.runId)).toHaveLength(1);
    store.close();
  });

  it("records a draft run that ends with an error event as failed, with Dify's message, the variant and the app", async () => {
    sim.faults.add({ kind: 'error_event', message: 'the model provider is down', count: 1 });
    const { summary, store } = await suite(
      'error-event',
      supportYaml(TWO_VARIANTS) + 'execution: {concurrency: 1}\n',
    );
    const failed = [...store.results(summary.runId)].filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      difyStatus: 'failed',
      errorCode: 'E_DIFY_RUN_FAILED',
      variant: 'current',
    });
    expect(failed[0]?.errorMessage).toMatch(
      /^variant current of support on sandbox app .+: Dify run failed: the model provider is down$/,
    );
    store.close();
  });

  it('on Ctrl-C stops the draft runs in flight, keeps the sandbox recorded, and resumes on it', async () => {
    const loaded = await load('interrupt', supportYaml(TWO_VARIANTS));
    const store = RunStore.open(join(dir, 'interrupt.db'));
    const controller = new AbortController();
    const stopsBefore = sim.stats().stops.length;
    // Slow copies: the sandbox inherits its app's behaviour.
    sim.app('support').behaviour = {
      ...sim.app('support').behaviour,
      latency_ms: { minMs: 3000, maxMs: 3000 },
    };
    const waiting = runSuite({ loaded, store, toolVersion: 'test', signal: controller.signal });
    await expect.poll(() => Object.values(sim.stats().apps).some((a) => a.inFlight > 0)).toBe(true);
    // Their first stream events (with the task ids a stop needs) reach the client well within
    // the 3 s each run takes, even on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    const summary = await waiting;
    sim.app('support').behaviour = {
      ...sim.app('support').behaviour,
      latency_ms: { minMs: 5, maxMs: 5 },
    };
    for (const { appId } of summary.sandboxes)
      sim.app(appId).behaviour = sim.app('support').behaviour;
    expect(summary.status).toBe('interrupted');
    expect(sim.stats().stops.length).toBeGreaterThan(stopsBefore);
    const [kept] = summary.sandboxes;
    expect(kept).toBeDefined();
    expect(appIds()).toContain(kept?.appId);
    const resumed = await runSuite({ loaded, store, toolVersion: 'test', resume: summary.runId });
    expect(resumed).toMatchObject({ status: 'finished', total: 8, sandboxes: [] });
    expect(store.sandboxes(summary.runId).map((s) => s.appId)).toEqual([kept?.appId]);
    expect(appIds()).not.toContain(kept?.appId);
    store.close();
  });

  it('runs clean deletes the sandbox an interrupted run kept, and marks it in the store', async () => {
    const loaded = await load(
      'clean',
      `store: {path: ${join(dir, 'clean.db')}}\n${supportYaml(TWO_VARIANTS)}`,
    );
    const store = RunStore.open(join(dir, 'clean.db'));
    const controller = new AbortController();
    const summary = await runSuite({
      loaded,
      store,
      toolVersion: 'test',
      signal: controller.signal,
      onResult: () => {
        controller.abort();
      },
    });
    store.close();
    expect(summary.status).toBe('interrupted');
    const [kept] = summary.sandboxes;
    expect(appIds()).toContain(kept?.appId);
    // The CLI takes the password from a .env file beside the configuration.
    writeFileSync(join(dir, '.env'), `CONSOLE_PASSWORD=${PASSWORD}\n`);
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
    // runs show points at the sandbox left, with a command that works as printed.
    const show = [
      'node',
      'dify-autoopt',
      'runs',
      'show',
      summary.runId,
      '--store',
      join(dir, 'clean.db'),
    ];
    expect(await main(show, io)).toBe(ExitCode.Ok);
    expect(lines.join('\n')).toContain(
      `still in the console: dify-autoopt runs clean ${summary.runId} -c ${loaded.file}`,
    );
    lines.length = 0;
    const args = ['node', 'dify-autoopt', 'runs', 'clean', summary.runId, '-c', loaded.file];
    expect(await main(args, io), lines.join('\n')).toBe(ExitCode.Ok);
    expect(lines.join('\n')).toContain(`deleted sandbox app ${kept?.appId ?? ''}`);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    expect(appIds()).not.toContain(kept?.appId);
    lines.length = 0;
    expect(await main(args, io)).toBe(ExitCode.Ok);
    expect(lines).toEqual([`run ${summary.runId} left no sandbox in the console`]);
  });

  it("answers a task app's cases as its prompts deserve: the variant with the instruction they need passes more", async () => {
    const kinds = Array.from({ length: 60 }, (_, i) => (i < 40 ? 'refund' : 'shipping'));
    const { summary, store } = await suite(
      'task',
      `workflows:\n  - id: task\n    api_key: app-task-key\n    app_id: task\n    inputs: {query: "case {ID}", kind: ${JSON.stringify(kinds)}}\n    reference: ${JSON.stringify(kinds.map((k) => `${k}: resolved`))}\n    assert: [{type: equals}]\n    variants:\n      - {name: current}\n      - {name: refunds, prompts: {llm_node.system: "Mention the 30-day window."}}\n      - {name: both, prompts: {llm_node.system: "Mention the 30-day window. Give the tracking link."}}\nexecution: {concurrency: 1}\n`,
    );
    expect(summary.status).toBe('finished');
    const passed = (variant: string, kind: string) =>
      [...store.results(summary.runId)].filter(
        (r) =>
          r.variant === variant && r.passed === true && JSON.stringify(r.outputs).includes(kind),
      ).length;
    // Truth: refunds 0.2 -> 0.8 with their instruction, 0.65 beside the conflicting one;
    // shipping 0.2 -> 0.8 with its own. Bounds a binomial breaks about once in a million.
    expect(passed('current', 'refund')).toBeLessThanOrEqual(18);
    expect(passed('refunds', 'refund')).toBeGreaterThanOrEqual(22);
    expect(passed('refunds', 'shipping')).toBeLessThanOrEqual(11);
    expect(passed('both', 'shipping')).toBeGreaterThanOrEqual(9);
    expect(passed('both', 'refund')).toBeGreaterThanOrEqual(16);
    store.close();
  });

  it('keeps the console password out of the store, the output and every report', async () => {
    const { store, summary } = await suite('secrets', supportYaml(TWO_VARIANTS));
    store.close();
    expect(readFileSync(join(dir, 'secrets.db')).includes(PASSWORD)).toBe(false);
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
    const files = ['r.json', 'r.jsonl', 'r.csv', 'r.html', 'r.xml', 'r.xlsx'].map((f) =>
      join(dir, f),
    );
    const args = [
      'node',
      'dify-autoopt',
      'report',
      summary.runId,
      '--store',
      join(dir, 'secrets.db'),
    ];
    expect(await main([...args, ...files.flatMap((f) => ['-o', f])], io)).toBe(ExitCode.Ok);
    expect(
      await main(
        ['node', 'dify-autoopt', 'runs', 'show', summary.runId, '--store', join(dir, 'secrets.db')],
        io,
      ),
    ).toBe(ExitCode.Ok);
    expect(lines.join('\n')).toContain('variants of support:');
    for (const text of [lines.join('\n'), ...files.map((f) => readFileSync(f, 'latin1'))])
      expect(text).not.toContain(PASSWORD);
  });
});
