import { untilAborted } from '../core/abort-signal.js';
import { AutoOptError } from '../core/autoopt-error.js';
import { loadSimulatorConfig } from '../simulator/simulator-config.js';
import { DifySimulator } from '../simulator/simulator-server.js';

/**
 * Serves the built-in Dify simulator until `signal` aborts, then closes it.
 */
export async function runSimulate(
  options: { readonly apps: string; readonly port: number; readonly host: string },
  { signal, out }: { readonly signal: AbortSignal; readonly out: (line: string) => void },
): Promise<void> {
  const { apps, config } = await loadSimulatorConfig(options.apps);
  const simulator = await DifySimulator.start({
    apps,
    config,
    port: options.port,
    host: options.host,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new AutoOptError(
        'E_PORT_IN_USE',
        `port ${String(options.port)} on ${options.host} is in use: choose another with -p (0: any free port)`,
        { cause: error },
      );
    throw error;
  });
  out(
    `Dify simulator on ${simulator.url} (public API ${simulator.apiBase}, console ${simulator.url}/console/api)`,
  );
  for (const app of apps) out(`  app ${app.id}: API key ${app.apiKey}`);
  out('Ctrl-C to stop.');
  await untilAborted(signal);
  await simulator.close();
  out('simulator stopped');
}
