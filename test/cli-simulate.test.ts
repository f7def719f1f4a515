import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';

describe('dify-autoopt simulate', () => {
  it('serves the example apps on loopback until interrupted', async () => {
    const out: string[] = [];
    const exit = main(
      ['node', 'dify-autoopt', 'simulate', '--apps', 'examples/simulator-apps.yaml', '--port', '0'],
      {
        out: (line) => out.push(line),
        err: () => undefined,
      },
    );
    for (let i = 0; i < 100 && !out.some((line) => line.startsWith('Dify simulator on')); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out[0] ?? '')?.[1];
    expect(base).toBeDefined();
    expect(out).toContain('  app translate: API key app-simulator-translate');
    const info = await fetch(`${base ?? ''}/v1/info`, {
      headers: { authorization: 'Bearer app-simulator-translate' },
    });
    expect(await info.json()).toMatchObject({ mode: 'workflow', name: 'llm-simple' });
    process.emit('SIGINT');
    await expect(exit).resolves.toBe(ExitCode.Ok);
    expect(out.at(-1)).toBe('simulator stopped');
  });

  it('exits 2 without an apps file and names the option', async () => {
    const err: string[] = [];
    const code = await main(['node', 'dify-autoopt', 'simulate'], {
      out: () => undefined,
      err: (line) => err.push(line),
    });
    expect(code).toBe(ExitCode.BadInput);
    expect(err.join('\n')).toContain("required option '--apps <file>' not specified");
  });
});

describe('dify-autoopt simulate with a bad apps file', () => {
  it('names the file, the key, the line and the column, and exits 2', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'apps.yaml');
    writeFileSync(
      file,
      'apps:\n  - id: a\n    api_key: k\n    dsl_yaml: "app: {mode: workflow}"\n    behaviour:\n      failure_rate: 2\n',
    );
    const err: string[] = [];
    const code = await main(['node', 'dify-autoopt', 'simulate', '--apps', file], {
      out: () => undefined,
      err: (line) => err.push(line),
    });
    expect(code).toBe(ExitCode.BadInput);
    expect(err.join('\n')).toContain(`${file}:6:21: apps.0.behaviour.failure_rate:`);
    writeFileSync(file, 'apps: [unclosed\n');
    expect(
      await main(['node', 'dify-autoopt', 'simulate', '--apps', file], {
        out: () => undefined,
        err: (line) => err.push(line),
      }),
    ).toBe(ExitCode.BadInput);
    expect(err.at(-1)).toMatch(
      new RegExp(
        `^error E_SIMULATOR_CONFIG: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `,
      ),
    );
    expect(
      await main(['node', 'dify-autoopt', 'simulate', '--apps', join(dir, 'missing.yaml')], {
        out: () => undefined,
        err: (line) => err.push(line),
      }),
    ).toBe(ExitCode.BadInput);
    expect(err.at(-1)).toContain('cannot read the apps file');
  });
});
