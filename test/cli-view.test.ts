import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import { viewerStore } from './support/viewer-store.js';

describe('dify-autoopt view', () => {
  it('serves the store on loopback, read-only, until interrupted', async () => {
    const { path } = viewerStore();
    const out: string[] = [];
    const exit = main(['node', 'dify-autoopt', 'view', '--store', path, '--port', '0'], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
    });
    for (let i = 0; i < 200 && !out.some((line) => line.startsWith('viewer on')); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const base = /^viewer on (http:\/\/127\.0\.0\.1:\d+\/) /.exec(out[0] ?? '')?.[1];
    expect(base, out.join('\n')).toBeDefined();
    expect(out[0]).toContain(`(store ${path}, read-only)`);
    const runs = (await (await fetch(`${base ?? ''}api/runs`)).json()) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(3);
    const page = await fetch(base ?? '');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    expect((await fetch(`${base ?? ''}api/runs/base`, { method: 'DELETE' })).status).toBe(405);
    process.emit('SIGINT');
    await expect(exit).resolves.toBe(ExitCode.Ok);
    expect(out.at(-1)).toBe('viewer stopped');
  });

  it('says there is no store yet, and how one is made', async () => {
    const err: string[] = [];
    const code = await main(
      ['node', 'dify-autoopt', 'view', '--store', '/nonexistent/runs.db', '--port', '0'],
      { out: () => undefined, err: (line) => err.push(line) },
    );
    expect(code).toBe(ExitCode.BadInput);
    expect(err.join('\n')).toContain('no run store at /nonexistent/runs.db yet');
  });
});
