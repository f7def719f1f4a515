import type { LoadedConfig } from '../config/load-config.js';
import type { DifySimulator } from '../simulator/simulator-server.js';

/** The built-in simulator, and how to log in to its console. */
export interface BuiltIn {
  readonly simulator: DifySimulator;
  readonly console: { readonly baseUrl: string; readonly email: string; readonly password: string };
}

/**
 * Starts the built-in simulator with the config's workflows as its apps (`dify.base_url:
 * simulator`), and its proposer as `optimization.proposer.simulator` sets it.
 */
export async function startSimulator(
  loaded: LoadedConfig,
  options: { readonly seed?: number | undefined } = {},
): Promise<BuiltIn> {
  const apps = loaded.config.workflows.map((workflow) => ({
    id: workflow.id,
    api_key: workflow.api_key,
    dsl: workflow.simulator?.dsl ?? '',
    ...(workflow.simulator?.behaviour === undefined
      ? {}
      : { behaviour: workflow.simulator.behaviour }),
  }));
  const proposer = loaded.config.optimization.proposer?.simulator;
  const { resolveSimulatorConfig } = await import('../simulator/simulator-config.js');
  const { DifySimulator } = await import('../simulator/simulator-server.js');
  const resolved = await resolveSimulatorConfig(
    {
      apps,
      ...(proposer === undefined ? {} : { proposer }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
    loaded.dir,
  );
  const simulator = await DifySimulator.start({ ...resolved });
  const { email, password } = resolved.config.console;
  return { simulator, console: { baseUrl: simulator.url, email, password } };
}
