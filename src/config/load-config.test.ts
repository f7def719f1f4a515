import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig, parseConfig } from './load-config.js';

const MINIMAL = `dify:
  base_url: http://127.0.0.1:5001
workflows:
  - id: translate
    api_key: \${DIFY_KEY}
    inputs:
      query: [hello, goodbye]
`;

function problems(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, 'config.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseConfig', () => {
  it('fills every default of the product spec', () => {
    const config = parseConfig(MINIMAL, 'config.yaml', { DIFY_KEY: 'app-123' });
    expect(config).toMatchObject({
      dify: {
        base_url: 'http://127.0.0.1:5001',
        request_timeout: 120,
        user_prefix: 'dify-autoopt',
      },
      workflows: [
        {
          id: 'translate',
          api_key: 'app-123',
          mode: 'auto',
          response_mode: 'streaming',
          combine: 'zip',
          repeat: 1,
          assert: [],
        },
      ],
      execution: {
        concurrency: 5,
        backoff_between_batches: 0,
        retry: { max_attempts: 3, backoff: 0.5, multiplier: 2, max_backoff: 30, jitter: 0.2 },
        timeout_per_task: 300,
        stop: {},
      },
      output: { formats: [], dir: 'reports' },
      store: { path: '.dify-autoopt/runs.db' },
      logging: { level: 'info' },
    });
  });

  it('fills ${VAR} and ${VAR:-default}, types a lone placeholder, and writes $$ as a dollar', () => {
    const config = parseConfig(
      `${MINIMAL}execution:\n  concurrency: \${CONC}\n  timeout_per_task: \${TIMEOUT:-45}\ndefault_assert:\n  - type: contains\n    value: "costs $$5 for \${WHO:-you}"\n`,
      'config.yaml',
      { DIFY_KEY: 'k', CONC: '12' },
    );
    expect(config.execution.concurrency).toBe(12);
    expect(config.execution.timeout_per_task).toBe(45);
    expect(config.default_assert[0]).toMatchObject({ value: 'costs $5 for you' });
  });

  it('names every unset variable with its key, line and column', () => {
    const error = problems(
      `${MINIMAL}judge:\n  base_url: http://127.0.0.1:9\n  model: m\n  api_key: \${JUDGE_KEY}\n`,
    );
    expect(error.code).toBe('E_CONFIG_INVALID');
    expect(error.problems).toEqual([
      {
        path: 'workflows.0.api_key',
        file: 'config.yaml',
        line: 5,
        column: 14,
        message: 'environment variable DIFY_KEY is not set (give a default with ${DIFY_KEY:-…})',
      },
      {
        path: 'judge.api_key',
        file: 'config.yaml',
        line: 11,
        column: 12,
        message: 'environment variable JUDGE_KEY is not set (give a default with ${JUDGE_KEY:-…})',
      },
    ]);
    expect(error.message).toContain(
      'config.yaml:5:14: workflows.0.api_key: environment variable DIFY_KEY is not set',
    );
  });

  it('reports every problem of a file at once, each with its place', () => {
    const error = problems(
      `dify:\n  base_url: http://x\n  colour: blue\nworkflows:\n  - id: a\n    api_key: k\n    repeat: 0\n    combine: shuffle\n    assert:\n      - type: sounds_like\nexecution:\n  concurrency: -2\n`,
    );
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['dify.colour', 3, 3],
      ['workflows.0.repeat', 7, 13],
      ['workflows.0.combine', 8, 14],
      ['workflows.0.assert.0.type', 10, 15],
      ['execution.concurrency', 12, 16],
    ]);
    expect(error.problems[0]?.message).toBe('unknown key');
  });

  it('names a missing section at its parent', () => {
    const error = problems('dify:\n  base_url: http://x\n');
    expect(error.problems).toEqual([
      {
        path: 'workflows',
        file: 'config.yaml',
        line: 1,
        column: 1,
        message: expect.stringContaining('expected array') as string,
      },
    ]);
  });

  it('reports bad YAML with its line and column', () => {
    const error = problems('dify:\n  base_url: [unclosed\n');
    expect(error.problems[0]).toMatchObject({
      path: '(yaml)',
      file: 'config.yaml',
      line: expect.any(Number) as number,
    });
  });
});

describe('loadConfig', () => {
  it('reads the file, with variables from a .env beside it, the environment first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'config.yaml'), MINIMAL);
    writeFileSync(join(dir, '.env'), 'DIFY_KEY=from-dotenv\n');
    const fromDotenv = await loadConfig(join(dir, 'config.yaml'), {});
    expect(fromDotenv.config.workflows[0]?.api_key).toBe('from-dotenv');
    expect(fromDotenv.dir).toBe(dir);
    const fromEnv = await loadConfig(join(dir, 'config.yaml'), { DIFY_KEY: 'from-env' });
    expect(fromEnv.config.workflows[0]?.api_key).toBe('from-env');
  });

  it('says when the file cannot be read', async () => {
    await expect(loadConfig('/nonexistent/config.yaml', {})).rejects.toMatchObject({
      code: 'E_CONFIG_UNREADABLE',
      problems: [{ file: '/nonexistent/config.yaml', message: 'cannot read the file (ENOENT)' }],
    });
  });
});
