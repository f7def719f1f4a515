// A redis-server of the test's own, on a free loopback port, with no persistence, stopped at the
// end: no test needs a Redis that is already running (Debian's redis-server package; .ci/run
// installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server. */
export interface TestRedis {
  readonly port: number;
  /** Its working directory (where SAVE writes its snapshot). */
  readonly dir: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** Kills it (SIGKILL) and removes its directory unless `keepDir` (to restart it). */
  stop(options?: { readonly keepDir?: boolean }): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Starts redis-server on 127.0.0.1 (on `port` and in `dir`, to restart one: a snapshot saved
 * there by SAVE is loaded; else a free port and a new directory); says what to install when it
 * is missing.
 */
export async function startRedis(restart?: { port: number; dir: string }): Promise<TestRedis> {
  const port = restart?.port ?? (await freePort());
  const dir = restart?.dir ?? mkdtempSync(join(tmpdir(), 'redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed: apt-get install -y redis-server')
          : error,
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited (${String(code)}): ${output}`));
    });
  });
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: async (options = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) =>
          child.once('exit', () => {
            resolve();
          }),
        );
        child.kill('SIGKILL');
        await exited;
      }
      if (options.keepDir !== true) rmSync(dir, { recursive: true, force: true });
    },
  };
}
