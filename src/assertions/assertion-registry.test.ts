import { describe, expect, it } from 'vitest';
import { assertionSchema, type AssertionConfig } from './assertion-schema.js';
import type { GradeInput } from './assertion.js';
import { CaseGrader, type CaseOutcome } from './case-grader.js';

const BASE: CaseOutcome = {
  outputs: {},
  answer: undefined,
  inputs: { city: 'Paris' },
  query: 'Where?',
  reference: undefined,
  latencyMs: 120,
  tokens: 40,
  cost: 0.002,
};

function outcome(output: unknown, extra: Partial<CaseOutcome> = {}): CaseOutcome {
  return { ...BASE, outputs: { text: output }, ...extra };
}

async function gradeOne(assertion: Record<string, unknown>, input: CaseOutcome) {
  const config = assertionSchema.parse(assertion);
  const verdict = await new CaseGrader([config]).grade(input);
  const grade = verdict.grades[0];
  if (grade === undefined) throw new Error('no grade');
  return grade;
}

// Each type: a configuration, an outcome it passes, and one it fails.
const CASES: [string, Record<string, unknown>, CaseOutcome, CaseOutcome][] = [
  [
    'equals text (trimmed)',
    { type: 'equals', value: 'Paris' },
    outcome(' Paris\n'),
    outcome('paris'),
  ],
  [
    'equals JSON deeply',
    { type: 'equals', value: { a: [1, 2] } },
    outcome('{"a":[1,2]}'),
    outcome('{"a":[2,1]}'),
  ],
  [
    'equals the reference',
    { type: 'equals' },
    outcome('Rome', { reference: 'Rome' }),
    outcome('Roma', { reference: 'Rome' }),
  ],
  [
    'contains every value',
    { type: 'contains', value: ['Paris', 'France'] },
    outcome('Paris, France'),
    outcome('Paris only'),
  ],
  [
    'contains with a placeholder',
    { type: 'contains', value: '{{inputs.city}}' },
    outcome('in Paris'),
    outcome('in Rome'),
  ],
  ['icontains', { type: 'icontains', value: 'PARIS' }, outcome('paris'), outcome('rome')],
  [
    'starts_with',
    { type: 'starts_with', value: 'Yes' },
    outcome('  Yes, indeed'),
    outcome('No. Yes'),
  ],
  [
    'regex with flags',
    { type: 'regex', value: '^hello\\b', flags: 'i' },
    outcome('HELLO there'),
    outcome('oh hello'),
  ],
  [
    'is_json (fenced)',
    { type: 'is_json' },
    outcome('```json\n{"ok": true}\n```'),
    outcome('{ok: true}'),
  ],
  [
    'json_schema',
    {
      type: 'json_schema',
      value: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    },
    outcome('{"name":"x"}'),
    outcome('{"name":3}'),
  ],
  [
    'json_path exists',
    { type: 'json_path', path: '$.items[0].id' },
    outcome({ items: [{ id: 1 }] }),
    outcome({ items: [] }),
  ],
  [
    'json_path equals',
    { type: 'json_path', path: '$.capital', value: 'Paris' },
    outcome('{"capital":"Paris"}'),
    outcome('{"capital":"Lyon"}'),
  ],
  [
    'similar',
    { type: 'similar', value: 'The capital is Paris' },
    outcome('the capital is paris.'),
    outcome('I do not know'),
  ],
  [
    'javascript boolean',
    { type: 'javascript', value: 'output.length < 10 && inputs.city === "Paris"' },
    outcome('short'),
    outcome('much too long an answer'),
  ],
  [
    'javascript body with return',
    {
      type: 'javascript',
      value: 'const n = Number(output); return { pass: n > 2, score: n / 10, reason: `n=${n}` };',
    },
    outcome('5'),
    outcome('1'),
  ],
  ['latency', { type: 'latency', value: 200 }, outcome('x'), outcome('x', { latencyMs: 250 })],
  ['tokens', { type: 'tokens', value: 50 }, outcome('x'), outcome('x', { tokens: 51 })],
  ['cost', { type: 'cost', value: 0.01 }, outcome('x'), outcome('x', { cost: 0.02 })],
];

describe('assertions', () => {
  it.each(CASES)('%s: passes and fails', async (_, config, passing, failing) => {
    const good = await gradeOne(config, passing);
    expect(good, good.reason).toMatchObject({ pass: true });
    expect(good.score).toBeGreaterThan(0);
    const bad = await gradeOne(config, failing);
    expect(bad.pass, bad.reason).toBe(false);
    expect(bad.score).toBeLessThan(1);
    expect(bad.reason.length).toBeGreaterThan(0);
  });

  it('covers every assertion type of the product spec except the judge, tested with its endpoint', () => {
    const types = new Set(CASES.map(([, config]) => config.type));
    expect([...types].sort()).toEqual(
      [
        'contains',
        'cost',
        'equals',
        'icontains',
        'is_json',
        'javascript',
        'json_path',
        'json_schema',
        'latency',
        'regex',
        'similar',
        'starts_with',
        'tokens',
      ].sort(),
    );
  });

  it('gives a similarity score and passes it against the threshold', async () => {
    const grade = await gradeOne(
      { type: 'similar', value: 'abcdefghij', threshold: 0.85 },
      outcome('abcdefghiX'),
    );
    expect(grade.score).toBeCloseTo(0.9);
    expect(grade.pass).toBe(true);
    const strict = await gradeOne(
      { type: 'similar', value: 'abcdefghij', threshold: 0.95 },
      outcome('abcdefghiX'),
    );
    expect(strict.pass).toBe(false);
  });

  it('scores a list of contains by the share found, and a threshold can accept part of it', async () => {
    const grade = await gradeOne(
      { type: 'contains', value: ['a', 'b', 'z', 'y'], threshold: 0.5 },
      outcome('a b'),
    );
    expect(grade).toMatchObject({ score: 0.5, pass: true });
  });

  it('inverts with not', async () => {
    const grade = await gradeOne(
      { type: 'contains', value: 'error', not: true },
      outcome('all fine'),
    );
    expect(grade).toMatchObject({ pass: true, score: 1, name: 'not contains' });
    expect(grade.reason).toMatch(/^not: /);
  });

  it('grades a named output field, a reference field of the same name, and a chat answer', async () => {
    const grade = await gradeOne(
      { type: 'equals', output: 'capital' },
      { ...BASE, outputs: { capital: 'Paris', other: 1 }, reference: { capital: 'Paris' } },
    );
    expect(grade.pass).toBe(true);
    const chat = await gradeOne(
      { type: 'contains', value: 'tea' },
      { ...BASE, answer: 'green tea' },
    );
    expect(chat.pass).toBe(true);
    const whole = await gradeOne(
      { type: 'json_path', path: '$.b', value: 2 },
      { ...BASE, outputs: { a: 1, b: 2 } },
    );
    expect(whole.pass).toBe(true);
  });

  it('fails without a value or a reference, saying so', async () => {
    const grade = await gradeOne({ type: 'equals' }, outcome('x'));
    expect(grade).toMatchObject({ pass: false, score: 0 });
    expect(grade.reason).toMatch(/no value and no reference/);
  });

  it('records a throwing or endless javascript expression as that assertion failing, with a code', async () => {
    const thrown = await gradeOne(
      { type: 'javascript', value: 'output.nope.deeper' },
      outcome('x'),
    );
    expect(thrown).toMatchObject({ pass: false, score: 0, errorCode: 'E_ASSERTION_FAILED' });
    const endless = await gradeOne(
      { type: 'javascript', value: 'for (;;) {} return true;' },
      outcome('x'),
    );
    expect(endless).toMatchObject({ pass: false, errorCode: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });
    const wrongType = await gradeOne({ type: 'javascript', value: '"yes"' }, outcome('x'));
    expect(wrongType.reason).toMatch(/expected a boolean/);
  });

  it('refuses an assertion that cannot compile, with its code', () => {
    const bad = (config: Record<string, unknown>) => () =>
      new CaseGrader([assertionSchema.parse(config)]);
    expect(bad({ type: 'regex', value: '(' })).toThrow(
      expect.objectContaining({ code: 'E_ASSERTION_INVALID' }),
    );
    expect(bad({ type: 'javascript', value: 'return (' })).toThrow(
      expect.objectContaining({ code: 'E_ASSERTION_INVALID' }),
    );
    expect(bad({ type: 'json_schema', value: { type: 'nope' } })).toThrow(
      expect.objectContaining({ code: 'E_ASSERTION_INVALID' }),
    );
  });

  it('fails llm_judge with E_JUDGE_MISSING when no judge is given', async () => {
    const grade = await gradeOne({ type: 'llm_judge', value: 'Is it polite?' }, outcome('x'));
    expect(grade).toMatchObject({ pass: false, errorCode: 'E_JUDGE_MISSING' });
  });

  it('ignores g and y flags, so a regex gives the same verdict case after case', async () => {
    const config = assertionSchema.parse({ type: 'regex', value: 'a', flags: 'g' });
    const grader = new CaseGrader([config]);
    for (let i = 0; i < 3; i += 1) expect((await grader.grade(outcome('a'))).passed).toBe(true);
  });
});

describe('CaseGrader', () => {
  const parse = (list: Record<string, unknown>[]): AssertionConfig[] =>
    list.map((a) => assertionSchema.parse(a));

  it('passes a case when every counted assertion passes, and weighs the score', async () => {
    const grader = new CaseGrader(
      parse([
        { type: 'contains', value: 'a', weight: 3 },
        { type: 'contains', value: 'z', weight: 1 },
        { type: 'contains', value: 'q', weight: 0 },
      ]),
    );
    const verdict = await grader.grade(outcome('abc'));
    expect(verdict.passed).toBe(false);
    expect(verdict.score).toBe(0.75);
    expect(verdict.grades.map((g) => g.pass)).toEqual([true, false, false]);
  });

  it('passes on a weighted score that reaches the threshold', async () => {
    const grader = new CaseGrader(
      parse([
        { type: 'contains', value: 'a', weight: 3 },
        { type: 'contains', value: 'z' },
      ]),
      { threshold: 0.7 },
    );
    expect((await grader.grade(outcome('abc'))).passed).toBe(true);
  });

  it('passes a case with no assertions, score 1', async () => {
    expect(await new CaseGrader([]).grade(outcome('x'))).toEqual({
      passed: true,
      score: 1,
      grades: [],
    });
  });

  it('does not count a weight-0 assertion that fails', async () => {
    const grader = new CaseGrader(
      parse([
        { type: 'contains', value: 'a' },
        { type: 'contains', value: 'z', weight: 0 },
      ]),
    );
    expect(await grader.grade(outcome('a'))).toMatchObject({ passed: true, score: 1 });
  });

  it('labels assertions by name, else type and field', async () => {
    const grader = new CaseGrader(
      parse([
        { type: 'is_json', name: 'valid json' },
        { type: 'contains', value: 'x', output: 'text' },
      ]),
    );
    const names = (await grader.grade(outcome('x'))).grades.map((g) => g.name);
    expect(names).toEqual(['valid json', 'contains(text)']);
  });

  it('rethrows when the signal is aborted, so a cancelled case is not graded', async () => {
    const grader = new CaseGrader(parse([{ type: 'llm_judge', value: 'r' }]));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const judge = { judge: () => Promise.reject(new Error('aborted')) };
    await expect(grader.grade(outcome('x'), { judge, signal: controller.signal })).rejects.toThrow(
      'aborted',
    );
  });
});

export type { GradeInput };
