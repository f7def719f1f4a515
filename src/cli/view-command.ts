import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { untilAborted } from '../core/abort-signal.js';
import { openForViewing } from '../viewer/open-for-viewing.js';
import { loadAssets } from '../viewer/viewer-assets.js';
import { isLoopback } from '../viewer/viewer-guard.js';
import { startViewer } from '../viewer/viewer-server.js';

/** Opens `url` in the desktop's browser, if there is one; says so when there is not. */
function openBrowser(url: string, out: (line: string) => void): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
  child.once('error', () => {
    out(`could not start ${command}: open the link above yourself`);
  });
  child.unref();
}

/**
 * `dify-autoopt view`: serves the viewer over the store until `signal` aborts. Off loopback, a
 * token is made, printed once in the link, and required on every request.
 */
export async function viewCommand(
  options: {
    readonly store: string;
    readonly port: number;
    readonly host: string;
    readonly open: boolean;
  },
  { signal, out }: { readonly signal: AbortSignal; readonly out: (line: string) => void },
): Promise<void> {
  const assets = loadAssets();
  const reader = openForViewing(resolve(options.store), out);
  const token = isLoopback(options.host) ? undefined : randomBytes(24).toString('base64url');
  try {
    const server = await startViewer({
      reader,
      assets,
      token,
      host: options.host,
      port: options.port,
    });
    const link = token === undefined ? server.url : `${server.url}?token=${token}`;
    out(`viewer on ${link}  (store ${reader.path}, read-only)`);
    if (token !== undefined)
      out('  the token in this link is shown once; every request must carry it');
    out('Ctrl-C to stop.');
    if (options.open) openBrowser(link, out);
    await untilAborted(signal);
    await server.close();
    out('viewer stopped');
  } finally {
    reader.close();
  }
}
