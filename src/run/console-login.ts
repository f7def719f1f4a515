import type { Config } from '../config/config-schema.js';
import { DifyConsoleClient } from '../dify/console-client.js';
import type { Fetch } from '../dify/dify-http.js';

/** Where the console is and who logs in, when not the configuration's (the built-in simulator). */
export type ConsoleOverride =
  { readonly baseUrl: string; readonly email: string; readonly password: string } | undefined;

/** The console of `dify` (or of `override`), logged in. @throws DifyError for a refused login. */
export async function loginConsole(
  dify: Config['dify'],
  override: ConsoleOverride,
  fetch?: Fetch,
): Promise<DifyConsoleClient> {
  const console = new DifyConsoleClient({
    baseUrl: override?.baseUrl ?? dify.base_url,
    ...(fetch === undefined ? {} : { fetch }),
  });
  await console.login({
    email: override?.email ?? dify.email ?? '',
    password: override?.password ?? dify.password ?? '',
  });
  return console;
}
