import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseConfig } from './load-config.js';
import { expandCases, type ExpandOptions } from './expand-cases.js';

const options: ExpandOptions = {
  dir: '/cfg',
  file: 'config.yaml',
  position: 0,
  now: new Date('2026-01-02T03:04:05.000Z'),
};

function workflow(yaml: string) {
  const config = parseConfig(
    `dify: {base_url: http://x}\nworkflows:\n  - id: wf\n    api_key: k\n${yaml}`,
    'config.yaml',
    {},
  );
  const [first] = config.workflows;
  if (first === undefined) throw new Error('no workflow');
  return first;
}

describe('expandCases', () => {
  it('zips lists by position and repeats scalars', () => {
    const cases = expandCases(
      workflow('    inputs: {q: [a, b, c], lang: [en, fr, de], tone: formal}\n'),
      options,
    );
    expect(cases.map((c) => c.inputs)).toEqual([
      { q: 'a', lang: 'en', tone: 'formal' },
      { q: 'b', lang: 'fr', tone: 'formal' },
      { q: 'c', lang: 'de', tone: 'formal' },
    ]);
    expect(cases.map((c) => c.index)).toEqual([1, 2, 3]);
  });

  it('refuses lists of different lengths when zipping, naming them', () => {
    expect(() =>
      expandCases(workflow('    inputs: {q: [a, b, c], lang: [en, fr]}\n'), options),
    ).toThrow(ConfigError);
    expect(() =>
      expandCases(workflow('    inputs: {q: [a, b, c], lang: [en, fr]}\n'), options),
    ).toThrow(
      'workflows.0.inputs: lists zipped by position must have the same length: q has 3, lang has 2',
    );
  });

  it('combines as a cartesian product', () => {
    const cases = expandCases(
      workflow('    combine: cartesian\n    inputs: {q: [a, b], lang: [en, fr, de]}\n'),
      options,
    );
    expect(cases.map((c) => `${String(c.inputs.q)}-${String(c.inputs.lang)}`)).toEqual([
      'a-en',
      'a-fr',
      'a-de',
      'b-en',
      'b-fr',
      'b-de',
    ]);
  });

  it('combines all pairs with fewer cases than the product', () => {
    const cases = expandCases(
      workflow(
        '    combine: pairwise\n    inputs: {a: [1, 2, 3], b: [x, y, z], c: [p, q, r], d: [m, n, o]}\n',
      ),
      options,
    );
    expect(cases.length).toBeLessThan(81);
    for (const [k1, k2] of [
      ['a', 'b'],
      ['a', 'd'],
      ['c', 'd'],
    ] as const) {
      const pairs = new Set(cases.map((c) => `${String(c.inputs[k1])}|${String(c.inputs[k2])}`));
      expect(pairs.size).toBe(9);
    }
  });

  it('fills {ID} and {TIME} per case', () => {
    const cases = expandCases(
      workflow('    inputs: {q: ["case {ID} at {TIME}", "second {ID}"]}\n'),
      options,
    );
    expect(cases.map((c) => c.inputs.q)).toEqual([
      'case 1 at 2026-01-02T03:04:05.000Z',
      'second 2',
    ]);
  });

  it('repeats each case, and gives stable ids that do not depend on {TIME}', () => {
    const yaml = '    repeat: 2\n    inputs: {q: ["at {TIME}", b]}\n';
    const first = expandCases(workflow(yaml), options);
    const later = expandCases(workflow(yaml), {
      ...options,
      now: new Date('2030-01-01T00:00:00Z'),
    });
    expect(first.map((c) => [c.index, c.repeatIndex])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(later.map((c) => c.id)).toEqual(first.map((c) => c.id));
    expect(new Set(first.map((c) => c.id)).size).toBe(4);
    expect(first[0]?.id).toMatch(/^wf:[0-9a-f]{12}:r1$/);
  });

  it('gives duplicate cases distinct ids, and other variants other ids', () => {
    const cases = expandCases(workflow('    inputs: {q: [same, same]}\n'), options);
    expect(cases[1]?.id).toBe(`${cases[0]?.id ?? ''}~2`);
    const variant = expandCases(
      workflow('    prompt_variant: shorter\n    inputs: {q: [same, same]}\n'),
      options,
    );
    expect(variant[0]?.id).not.toBe(cases[0]?.id);
  });

  it('reads typed inputs: numbers, JSON, files, strings', () => {
    const [only] = expandCases(
      workflow(
        '    inputs:\n      n: {type: number, value: "42"}\n      j: {type: json, value: \'{"a": [1, 2]}\'}\n      raw: {type: json, value: [1, 2]}\n      f: {type: file, value: docs/a.pdf}\n      s: {type: string, value: 7}\n',
      ),
      options,
    );
    expect(only?.inputs).toEqual({
      n: 42,
      j: { a: [1, 2] },
      raw: [1, 2],
      f: { file: '/cfg/docs/a.pdf' },
      s: '7',
    });
  });

  it('refuses bad typed values', () => {
    expect(() =>
      expandCases(workflow('    inputs: {n: {type: number, value: abc}}\n'), options),
    ).toThrow('"abc" is not a number');
    expect(() =>
      expandCases(workflow("    inputs: {j: {type: json, value: '{oops'}}\n"), options),
    ).toThrow('not valid JSON');
    expect(() =>
      expandCases(workflow('    inputs: {f: {type: file, value: ""}}\n'), options),
    ).toThrow('a file input needs a path');
    expect(() => expandCases(workflow('    inputs: {q: []}\n'), options)).toThrow(
      'an empty list gives no case',
    );
  });

  it('makes one case per dataset row, inline scalars added', () => {
    const cases = expandCases(workflow('    inputs: {tone: formal}\n'), {
      ...options,
      rows: [{ q: 'a' }, { q: 'b', tone: 'casual' }],
    });
    expect(cases.map((c) => c.inputs)).toEqual([
      { tone: 'formal', q: 'a' },
      { tone: 'casual', q: 'b' },
    ]);
    expect(() =>
      expandCases(workflow('    inputs: {q: [a, b]}\n'), { ...options, rows: [{}] }),
    ).toThrow('with a dataset, inline inputs must be single values');
  });

  it('pairs references with cases, or gives one to all', () => {
    const listed = expandCases(
      workflow('    inputs: {q: [a, b]}\n    reference: [A, B]\n'),
      options,
    );
    expect(listed.map((c) => c.reference)).toEqual(['A', 'B']);
    const single = expandCases(workflow('    inputs: {q: [a, b]}\n    reference: same\n'), options);
    expect(single.map((c) => c.reference)).toEqual(['same', 'same']);
    expect(() =>
      expandCases(workflow('    inputs: {q: [a, b]}\n    reference: [A]\n'), options),
    ).toThrow('a list of references needs one per case: 1 for 2 cases');
  });

  it('varies the query of a chat app like an input', () => {
    const cases = expandCases(
      workflow('    query: ["hi {ID}", "bye {ID}"]\n    inputs: {topic: tea}\n'),
      options,
    );
    expect(cases.map((c) => [c.query, c.inputs])).toEqual([
      ['hi 1', { topic: 'tea' }],
      ['bye 2', { topic: 'tea' }],
    ]);
  });
});
