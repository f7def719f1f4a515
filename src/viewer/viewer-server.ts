import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { AutoOptError } from '../core/autoopt-error.js';
import { createViewerApp, type ViewerOptions } from './viewer-app.js';
import { isLoopback } from './viewer-guard.js';

/** A running viewer: where it listens, and how to stop it. */
export interface ViewerServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the viewer on `host`:`port` (0: any free port) until closed.
 * @throws AutoOptError `E_PORT_IN_USE` when the port is taken.
 */
export async function startViewer(
  options: Omit<ViewerOptions, 'loopback' | 'signal'> & {
    readonly host: string;
    readonly port: number;
  },
): Promise<ViewerServer> {
  const streams = new AbortController();
  const app = createViewerApp({
    ...options,
    loopback: isLoopback(options.host),
    signal: streams.signal,
  });
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new AutoOptError(
              'E_PORT_IN_USE',
              `port ${String(options.port)} on ${options.host} is in use: choose another with --port (0: any free port)`,
              { cause: error },
            )
          : error,
      );
    });
  });
  const port = (server.address() as AddressInfo).port;
  const name = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${name}:${String(port)}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        streams.abort();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
