import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI. */
export const BIN = resolve('dist/cli/bin.js');

/** How a spawned CLI ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** A spawned CLI process. */
export interface Spawned {
  readonly done: Promise<CliExit>;
  readonly kill: (signal: NodeJS.Signals) => void;
  readonly output: () => string;
  readonly pid: number | undefined;
}

/** Spawns the built CLI (no terminal: CI-style progress lines). */
export function cli(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CI: 'true', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<CliExit>((resolveDone) => {
    child.on('close', (code, signal) => {
      resolveDone({ code, signal, out, err });
    });
  });
  return { done, kill: (signal) => child.kill(signal), output: () => out + err, pid: child.pid };
}

/** Polls until `check` holds. */
export async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
