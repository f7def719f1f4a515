// The console client against the simulator: login, DSL export and import, draft, publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import { DifyClient } from '../src/dify/dify-client.js';
import { DifyError } from '../src/dify/dify-error.js';
import { DslDocument } from '../src/dify/dsl-document.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { fixture } from './support/fixtures.js';
import { STANDARD_APPS, startSimulator } from './support/simulator.js';

const credentials = { email: 'admin@example.com', password: 'console-password-secret' };

describe.each(['cookie', 'bearer'] as const)('DifyConsoleClient with %s sessions', (auth) => {
  let sim: DifySimulator;
  beforeAll(async () => {
    sim = await startSimulator({ ...STANDARD_APPS, console: { ...credentials, auth } });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function loggedIn(): Promise<DifyConsoleClient> {
    const console = new DifyConsoleClient({ baseUrl: sim.url });
    await console.login(credentials);
    return console;
  }

  it('refuses a wrong password without echoing it', async () => {
    const console = new DifyConsoleClient({ baseUrl: sim.url });
    const error = await console
      .login({ ...credentials, password: 'wrong-password-value' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DifyError);
    expect(error).toMatchObject({ code: 'E_DIFY_UNAUTHORIZED' });
    expect((error as Error).message).not.toContain('wrong-password-value');
    expect(console.loggedIn).toBe(false);
  });

  it('refuses calls before a login', async () => {
    const console = new DifyConsoleClient({ baseUrl: sim.url });
    await expect(console.exportDsl('wf')).rejects.toMatchObject({ code: 'E_DIFY_NOT_LOGGED_IN' });
  });

  it('exports the DSL, edits a prompt keeping every other key and reference, and the answers change', async () => {
    const console = await loggedIn();
    const yaml = await console.exportDsl('wf');
    const dsl = DslDocument.parse(yaml, 'wf export');
    const [prompt] = dsl.prompts();
    expect(prompt).toMatchObject({ nodeId: 'llm_node', nodeType: 'llm' });
    const before = dsl.toJSON();
    dsl.setPrompt(prompt?.path ?? [], `${prompt?.text ?? ''} Answer in UPPERCASE.`);
    const edited = DslDocument.parse(dsl.toString());
    const after = edited.toJSON();
    expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
    expect(edited.prompts()[0]?.text).toContain('UPPERCASE');
    expect(dsl.toString().match(/\{\{#[^#]+#\}\}/g)).toEqual(yaml.match(/\{\{#[^#]+#\}\}/g));
    const result = await console.importDsl({ yaml: dsl.toString(), appId: 'wf' });
    expect(result).toMatchObject({ status: 'completed', appId: 'wf' });
    const run = await new DifyClient({
      apiBase: sim.apiBase,
      apiKey: 'app-wf-secret-key',
    }).runWorkflow({ inputs: { query: 'quiet words' }, user: 'u', responseMode: 'blocking' });
    expect(run.outputs).toEqual({ answer: 'QUIET WORDS' });
  });

  it('holds an import of another DSL version until it is confirmed', async () => {
    const console = await loggedIn();
    const yaml = fixture('dsl/workflow-llm-basic.yml').replace('version: 0.3.1', 'version: 0.1.5');
    const pending = await console.importDsl({ yaml });
    expect(pending).toMatchObject({
      status: 'pending',
      importedDslVersion: '0.1.5',
      currentDslVersion: '0.3.1',
    });
    const confirmed = await console.confirmImport(pending.id);
    expect(confirmed.status).toBe('completed');
    expect(confirmed.appId).toEqual(expect.any(String));
    const auto = await console.importDsl({ yaml }, { confirmPending: true });
    expect(auto.status).toBe('completed');
  });

  it('syncs a draft by its hash and refuses a stale one', async () => {
    const console = await loggedIn();
    const draft = await console.getDraft('chatflow');
    expect(draft.hash).toMatch(/^[0-9a-f]{64}$/);
    const saved = await console.syncDraft('chatflow', {
      ...draft,
      features: { ...draft.features, opening_statement: 'Hi!' },
    });
    expect(saved.hash).not.toBe(draft.hash);
    await expect(console.syncDraft('chatflow', draft)).rejects.toMatchObject({
      code: 'E_DIFY_DRAFT_CONFLICT',
      status: 409,
    });
  });

  it('publishes, lists versions, and runs a published version', async () => {
    const console = await loggedIn();
    await console.publish('wf', { markedName: 'v1', markedComment: 'first' });
    const versions = await console.listVersions('wf');
    expect(versions[0]).toMatchObject({ marked_name: 'v1', marked_comment: 'first' });
    const client = new DifyClient({ apiBase: sim.apiBase, apiKey: 'app-wf-secret-key' });
    const run = await client.runWorkflow({
      inputs: { query: 'pinned' },
      user: 'u',
      workflowId: String(versions[0]?.id),
      responseMode: 'blocking',
    });
    expect(run.status).toBe('succeeded');
    await expect(
      client.runWorkflow({ inputs: { query: 'x' }, user: 'u', workflowId: 'nope' }),
    ).rejects.toMatchObject({ code: 'E_DIFY_NOT_FOUND' });
  });

  it('refreshes an expired session once, transparently', async () => {
    const console = await loggedIn();
    sim.expireSessions();
    await expect(console.exportDsl('wf')).resolves.toContain('app:');
  });
});
