// `validate` catches what `run` refuses (#17 item 5): every problem at once, each with its file,
// line and column, before anything runs.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';

async function validate(yaml: string): Promise<{ code: number; out: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'validate-'));
  cpSync(resolve('examples/dsl'), join(dir, 'dsl'), { recursive: true });
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, yaml);
  const out: string[] = [];
  const code = await main(['node', 'x', 'validate', '-c', file], {
    out: (l) => out.push(l.replace(`${file}:`, 'suite.yaml:')),
    err: (l) => out.push(l),
  });
  return { code, out };
}

describe('validate', () => {
  it('says every problem at once, with its place: assertions that cannot compile, a missing DSL, unknown and missing inputs', async () => {
    const { code, out } = await validate(
      [
        'dify: {base_url: simulator}',
        'default_assert:',
        '  - {type: regex, value: "(unclosed"}',
        'workflows:',
        '  - id: good',
        '    api_key: app-1',
        '    inputs: {query: [one, two]}',
        '    simulator: {dsl: dsl/workflow-llm-basic.yml}',
        '  - id: typo',
        '    api_key: app-2',
        '    inputs: {qeury: [one, two, three]}',
        '    assert:',
        '      - {type: javascript, value: "output.length >"}',
        '      - {type: json_schema, value: {type: 12}}',
        '    simulator: {dsl: dsl/workflow-llm-basic.yml}',
        '  - id: nodsl',
        '    api_key: app-3',
        '    inputs: {query: one}',
        '',
      ].join('\n'),
    );
    expect(code).toBe(ExitCode.BadInput);
    expect(out).toContain('good: 2 cases');
    const problems = out.filter((l) => l.startsWith('suite.yaml:'));
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^suite\.yaml:3:5: default_assert\.0: regex: /);
    expect(problems[1]).toMatch(/^suite\.yaml:13:9: workflows\.1\.assert\.0: javascript: /);
    expect(problems[2]).toMatch(/^suite\.yaml:14:9: workflows\.1\.assert\.1: json_schema: /);
    expect(
      problems.some((p) =>
        /^suite\.yaml:11:13: workflows\.1\.inputs: qeury is not one of the app's inputs \(query\) \(typo: 3 cases, first typo:[0-9a-f]{12}\)$/.test(
          p,
        ),
      ),
    ).toBe(true);
    expect(
      problems.some((p) =>
        p.startsWith('suite.yaml:11:13: workflows.1.inputs: query is required (typo: 3 cases'),
      ),
    ).toBe(true);
    expect(problems).toContain(
      'suite.yaml:16:5: workflows.2: with dify.base_url: simulator, a workflow needs simulator.dsl (its app)',
    );
    expect(out.at(-1)).toBe('6 problems');
  });

  it('passes a sound configuration', async () => {
    const { code, out } = await validate(
      'dify: {base_url: simulator}\nworkflows:\n  - id: w\n    api_key: app-1\n    inputs: {query: [a, b]}\n    assert: [{type: regex, value: "^a"}]\n    simulator: {dsl: dsl/workflow-llm-basic.yml}\n',
    );
    expect(code).toBe(ExitCode.Ok);
    expect(out.at(-1)).toBe('ok: 1 workflows, 2 cases');
  });
});
