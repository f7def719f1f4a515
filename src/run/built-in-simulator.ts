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

/**
 * Runs `run` with `dify.base_url: simulator` served by the built-in simulator for its length
 * (unless an address is given already), and as it is otherwise.
 */
export async function onBuiltInWhenSimulated<
  O extends {
    readonly loaded: LoadedConfig;
    readonly apiBase?: string | undefined;
    readonly console?: BuiltIn['console'] | undefined;
  },
  R,
>(options: O, run: (options: O) => Promise<R>): Promise<R> {
  if (options.apiBase !== undefined || options.loaded.config.dify.base_url !== 'simulator')
    return run(options);
  const builtIn = await startSimulator(options.loaded);
  try {
    return await run({
      ...options,
      apiBase: builtIn.simulator.apiBase,
      console: options.console ?? builtIn.console,
    });
  } finally {
    await builtIn.simulator.close();
  }
}
