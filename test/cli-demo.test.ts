import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import { TOOL_VERSION } from '../src/core/tool-version.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('dify-autoopt demo', () => {
  it('runs every case through the executor and prints the run statistics', async () => {
    const { out, io } = capture();
    const code = await main(
      [
        'node',
        'dify-autoopt',
        'demo',
        '-n',
        '25',
        '-j',
        '5',
        '--latency-ms',
        '0',
        '--failure-rate',
        '0',
      ],
      io,
    );
    expect(code).toBe(ExitCode.Ok);
    const text = out.join('\n');
    expect(text).toContain('25/25 done, 0 not succeeded');
    expect(text).toContain('status      succeeded 25');
    expect(text).toMatch(/success {5}100\.0% of 25 completed, 0 retries/);
  });

  it('exits 1 when some case did not succeed', async () => {
    const { out, io } = capture();
    const code = await main(
      ['node', 'dify-autoopt', 'demo', '-n', '10', '--latency-ms', '0', '--failure-rate', '1'],
      io,
    );
    expect(code).toBe(ExitCode.Failed);
    expect(out.join('\n')).toContain('failed 10');
  });

  it('refuses a bad option with exit code 2 and says which', async () => {
    const { err, io } = capture();
    expect(await main(['node', 'dify-autoopt', 'demo', '--failure-rate', '2'], io)).toBe(
      ExitCode.BadInput,
    );
    expect(err.join('\n')).toContain("option '--failure-rate <p>' argument '2' is invalid");
    expect(await main(['node', 'dify-autoopt', 'nonsense'], io)).toBe(ExitCode.BadInput);
  });

  it('prints its version with --version and -V', async () => {
    const { out, io } = capture();
    expect(await main(['node', 'dify-autoopt', '--version'], io)).toBe(ExitCode.Ok);
    expect(await main(['node', 'dify-autoopt', '-V'], io)).toBe(ExitCode.Ok);
    expect(out).toEqual([TOOL_VERSION, TOOL_VERSION]);
  });
});
