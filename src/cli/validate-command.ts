import { apiBaseOf } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { DifyClient } from '../dify/dify-client.js';
import { planCases } from '../run/plan-cases.js';
import { validateInputs } from '../run/validate-inputs.js';

/**
 * `dify-autoopt validate`: checks the configuration and its cases; with `remote`, each case's
 * inputs against the app's `/v1/parameters`. Returns the number of problems.
 */
export async function validateCommand(
  options: { readonly config: string; readonly remote: boolean },
  signal: AbortSignal,
  out: (line: string) => void,
): Promise<number> {
  const loaded = await loadConfig(options.config);
  const { config } = loaded;
  let problems = 0;
  let total = 0;
  for (const { workflow, cases } of await planCases(loaded, { now: new Date() })) {
    total += cases.count;
    out(`${workflow.id}: ${cases.count} cases`);
    if (!options.remote) continue;
    if (config.dify.base_url === 'simulator') {
      out(`  (the built-in simulator: nothing remote to check)`);
      continue;
    }
    const client = new DifyClient({
      apiBase: apiBaseOf(config.dify),
      apiKey: workflow.api_key,
      app: workflow.id,
    });
    const form = await client.parameters({ signal });
    for (const problem of validateInputs(cases, form.inputs)) {
      problems += 1;
      out(`  case ${problem.caseId}: ${problem.message}`);
    }
  }
  out(
    problems === 0
      ? `ok: ${config.workflows.length} workflows, ${total} cases`
      : `${problems} problems`,
  );
  return problems;
}
