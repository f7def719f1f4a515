import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { asObject } from '../core/json-value.js';
import { ConfigError } from './config-error.js';
import type { WorkflowConfig } from './config-schema.js';
import type { DatasetRow } from './dataset.js';
import { allPairs } from './pairwise.js';

/** A file input, to be uploaded once before the run and sent by its upload id. */
export interface FileInputRef {
  readonly file: string;
}

/** One case of a workflow, ready to run. */
export interface ExpandedCase {
  /** Stable across runs of the same configuration: resume and comparisons key on it. */
  readonly id: string;
  /** 1-based, before repeats: what `{ID}` becomes. */
  readonly index: number;
  /** 0-based repeat of the same case. */
  readonly repeatIndex: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | undefined;
  /** The expected output, when the configuration gives one. */
  readonly reference: unknown;
}

/** What case expansion needs besides the workflow. */
export interface ExpandOptions {
  /** The configuration's folder: file inputs are relative to it. */
  readonly dir: string;
  /** The configuration file, for error messages. */
  readonly file: string;
  /** The workflow's position in `workflows`, for error messages. */
  readonly position: number;
  /** What `{TIME}` becomes. */
  readonly now: Date;
  /** The dataset's rows, when the workflow has one. */
  readonly rows?: readonly DatasetRow[];
}

const QUERY = '\u0000query';

function fail(options: ExpandOptions, key: string, message: string): ConfigError {
  return new ConfigError([
    {
      path: `workflows.${options.position}.${key}`,
      file: options.file,
      line: undefined,
      column: undefined,
      message,
    },
  ]);
}

/** The values an input takes across cases: one for a scalar, several for a list. */
function valuesOf(name: string, input: unknown, options: ExpandOptions): unknown[] {
  const typed = asObject(input);
  if (typed === undefined || !('type' in typed)) return Array.isArray(input) ? input : [input];
  const raw: unknown = typed.value;
  switch (typed.type) {
    case 'json':
      if (typeof raw !== 'string') return [raw];
      try {
        return [JSON.parse(raw) as unknown];
      } catch {
        throw fail(options, `inputs.${name}.value`, 'not valid JSON');
      }
    case 'number':
      return (Array.isArray(raw) ? raw : [raw]).map((value) => {
        const n = Number(value);
        if (value === null || value === '' || !Number.isFinite(n)) {
          throw fail(options, `inputs.${name}.value`, `${JSON.stringify(value)} is not a number`);
        }
        return n;
      });
    case 'file':
      return (Array.isArray(raw) ? raw : [raw]).map((path): FileInputRef => {
        if (typeof path !== 'string' || path === '')
          throw fail(options, `inputs.${name}.value`, 'a file input needs a path');
        return { file: resolve(options.dir, path) };
      });
    default:
      return (Array.isArray(raw) ? raw : [raw]).map((value) =>
        typeof value === 'string' ? value : JSON.stringify(value),
      );
  }
}

/** Rows of value indexes, one per dimension, as `combine` asks. */
function combine(
  mode: WorkflowConfig['combine'],
  dims: readonly { readonly name: string; readonly values: readonly unknown[] }[],
  options: ExpandOptions,
): number[][] {
  if (mode === 'cartesian') {
    return dims.reduce<number[][]>(
      (rows, dim) => rows.flatMap((row) => dim.values.map((_, v) => [...row, v])),
      [[]],
    );
  }
  if (mode === 'pairwise') return allPairs(dims.map((dim) => dim.values.length));
  const lengths = new Set(dims.map((dim) => dim.values.length));
  if (lengths.size > 1) {
    const shape = dims
      .map((dim) => `${dim.name === QUERY ? 'query' : dim.name} has ${dim.values.length}`)
      .join(', ');
    throw fail(
      options,
      'inputs',
      `lists zipped by position must have the same length: ${shape} (or set combine: cartesian or pairwise)`,
    );
  }
  const n = dims[0]?.values.length ?? 1;
  return Array.from({ length: n }, (_, i) => dims.map(() => i));
}

function fillPlaceholders(value: unknown, id: number, time: string): unknown {
  return typeof value === 'string'
    ? value.replaceAll('{ID}', String(id)).replaceAll('{TIME}', time)
    : value;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = asObject(value);
  if (object !== undefined) {
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`)
      .join(',')}}`;
  }
  // undefined has no JSON form: it reads as null.
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** One case before its repeats: what every repeat of it shares. */
export interface CaseBase {
  /** Its id without the repeat: `<workflow>:<hash>[~n]`. */
  readonly stem: string;
  /** 1-based: what `{ID}` becomes. */
  readonly index: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | undefined;
  readonly reference: unknown;
}

/**
 * Expands a workflow's inputs into its base cases, before repeats: lists zipped by position
 * (scalars repeated), or combined as a cartesian product or all-pairs; or one case per dataset
 * row. `{ID}` and `{TIME}` are filled in, and each case gets a stable id from its workflow,
 * prompt variant and inputs (the repeat is added by {@link repeatId}).
 * @throws ConfigError (`E_CONFIG_INVALID`) for lists of different lengths, a reference list that
 * does not match the cases, or bad typed values.
 */
export function expandBases(workflow: WorkflowConfig, options: ExpandOptions): CaseBase[] {
  const fixed: Record<string, unknown> = {};
  const dims: { name: string; values: unknown[] }[] = [];
  const entries: [string, unknown][] = Object.entries(workflow.inputs);
  if (workflow.query !== undefined) entries.push([QUERY, workflow.query]);
  for (const [name, input] of entries) {
    const values = valuesOf(name, input, options);
    if (values.length === 0) throw fail(options, `inputs.${name}`, 'an empty list gives no case');
    if (values.length === 1) fixed[name] = values[0];
    else dims.push({ name, values });
  }
  let bases: Record<string, unknown>[];
  if (options.rows !== undefined) {
    if (dims.length > 0) {
      throw fail(
        options,
        `inputs.${dims[0]?.name ?? ''}`,
        'with a dataset, inline inputs must be single values (the rows are the cases)',
      );
    }
    bases = options.rows.map((row) => ({ ...fixed, ...row }));
  } else {
    bases = combine(workflow.combine, dims, options).map((row) => {
      const base = { ...fixed };
      row.forEach((v, d) => {
        const dim = dims[d];
        if (dim !== undefined) base[dim.name] = dim.values[v];
      });
      return base;
    });
  }
  const references = Array.isArray(workflow.reference) ? workflow.reference : undefined;
  if (references !== undefined && references.length !== bases.length) {
    throw fail(
      options,
      'reference',
      `a list of references needs one per case: ${references.length} for ${bases.length} cases`,
    );
  }
  const time = options.now.toISOString();
  const seen = new Map<string, number>();
  return bases.map((base, i): CaseBase => {
    const index = i + 1;
    const { [QUERY]: rawQuery, ...rawInputs } = base;
    const hash = createHash('sha256')
      .update(
        canonical({
          workflow: workflow.id,
          variant: workflow.prompt_variant ?? '',
          inputs: rawInputs,
          query: rawQuery ?? null,
        }),
      )
      .digest('hex')
      .slice(0, 12);
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    const inputs = Object.fromEntries(
      Object.entries(rawInputs).map(([k, v]) => [k, fillPlaceholders(v, index, time)]),
    );
    const query =
      rawQuery === undefined ? undefined : String(fillPlaceholders(rawQuery, index, time));
    const reference: unknown = references === undefined ? workflow.reference : references[i];
    const stem = `${workflow.id}:${hash}${occurrence > 1 ? `~${occurrence}` : ''}`;
    return { stem, index, inputs, query, reference };
  });
}

/** The id of a base case's repeat: stable across runs of the same configuration. */
export function repeatId(base: CaseBase, repeatIndex: number, repeat: number): string {
  return repeat > 1 ? `${base.stem}:r${repeatIndex + 1}` : base.stem;
}

/**
 * Expands a workflow's inputs into its cases, every repeat of every base case (see
 * {@link expandBases}).
 * @throws ConfigError (`E_CONFIG_INVALID`) as {@link expandBases} does.
 */
export function expandCases(workflow: WorkflowConfig, options: ExpandOptions): ExpandedCase[] {
  return expandBases(workflow, options).flatMap((base) =>
    Array.from({ length: workflow.repeat }, (_, r) => ({
      id: repeatId(base, r, workflow.repeat),
      index: base.index,
      repeatIndex: r,
      inputs: base.inputs,
      query: base.query,
      reference: base.reference,
    })),
  );
}
