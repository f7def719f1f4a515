import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { apiBaseOf, type WorkflowConfig } from '../config/config-schema.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { DifyClient, inputFormOf, type DifyInputField } from '../dify/dify-client.js';
import { assertionProblems } from '../run/check-assertions.js';
import { planCases } from '../run/plan-cases.js';
import { validateInputs } from '../run/validate-inputs.js';
import { parametersBody } from '../simulator/app-endpoints.js';
import { SimDsl } from '../simulator/sim-dsl.js';

/** One problem `run` would refuse: where it is in the file, and what. */
interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A simulated workflow's input form, read from its DSL; a problem when there is none. */
async function simulatedForm(
  loaded: LoadedConfig,
  workflow: WorkflowConfig,
  index: number,
): Promise<readonly DifyInputField[] | Problem> {
  const dsl = workflow.simulator?.dsl;
  if (dsl === undefined)
    return {
      path: ['workflows', index],
      message: 'with dify.base_url: simulator, a workflow needs simulator.dsl (its app)',
    };
  let text: string;
  try {
    text = await readFile(resolve(loaded.dir, dsl), 'utf8');
  } catch {
    return { path: ['workflows', index, 'simulator', 'dsl'], message: `cannot read ${dsl}` };
  }
  return inputFormOf(parametersBody(new SimDsl(text)));
}

function where(loaded: LoadedConfig, problem: Problem): string {
  const at = loaded.locate?.(problem.path);
  const place =
    at === undefined ? loaded.file : `${loaded.file}:${String(at.line)}:${String(at.column)}`;
  return `${place}: ${problem.path.join('.')}: ${problem.message}`;
}

/**
 * `dify-autoopt validate`: checks everything `run` would refuse, all at once, each problem with
 * its file, line and column: the schema (on load), every assertion compiled, each simulated
 * workflow's DSL, and each case's inputs against the app's form (the simulator's DSL; a real
 * Dify's `/v1/parameters` with `remote`). Returns the number of problems.
 */
export async function validateCommand(
  options: { readonly config: string; readonly remote: boolean },
  signal: AbortSignal,
  out: (line: string) => void,
): Promise<number> {
  const loaded = await loadConfig(options.config);
  const { config } = loaded;
  const simulated = config.dify.base_url === 'simulator';
  const problems: Problem[] = assertionProblems(config);
  let total = 0;
  for (const { workflow, index, cases } of await planCases(loaded, { now: new Date() })) {
    total += cases.count;
    out(`${workflow.id}: ${String(cases.count)} cases`);
    let form: readonly DifyInputField[] | Problem | undefined;
    if (simulated) form = await simulatedForm(loaded, workflow, index);
    else if (options.remote)
      form = (
        await new DifyClient({
          apiBase: apiBaseOf(config.dify),
          apiKey: workflow.api_key,
          app: workflow.id,
        }).parameters({ signal })
      ).inputs;
    if (form === undefined) continue;
    if (!('length' in form)) {
      problems.push(form);
      continue;
    }
    // One line per problem and the cases it touches, not one per case.
    const byMessage = new Map<string, string[]>();
    for (const problem of validateInputs(cases, form))
      byMessage.set(problem.message, [...(byMessage.get(problem.message) ?? []), problem.caseId]);
    for (const [message, ids] of byMessage)
      problems.push({
        path: ['workflows', index, 'inputs'],
        message: `${message} (${workflow.id}: ${String(ids.length)} case${ids.length === 1 ? '' : 's'}, first ${ids[0] ?? ''})`,
      });
  }
  for (const problem of problems) out(where(loaded, problem));
  out(
    problems.length === 0
      ? `ok: ${String(config.workflows.length)} workflows, ${String(total)} cases`
      : `${String(problems.length)} problems`,
  );
  return problems.length;
}
