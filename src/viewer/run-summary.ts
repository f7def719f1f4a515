import { wilsonInterval } from '../stats/wilson-interval.js';
import type { RunListing, StoreReader } from '../store/store-reader.js';

/** A pass rate with its 95% Wilson interval. */
export interface Rate {
  readonly passed: number;
  readonly ended: number;
  readonly rate: number | null;
  readonly interval: readonly [number, number] | null;
}

/** `passed` of `ended` as a rate with its interval (null when nothing ended). */
export function rateOf(passed: number, ended: number): Rate {
  return ended === 0
    ? { passed, ended, rate: null, interval: null }
    : { passed, ended, rate: passed / ended, interval: wilsonInterval(passed, ended) };
}

const num = (value: unknown): number => Number(value ?? 0);
const maybe = (value: unknown): number | null => (value === null ? null : Number(value));

/** A run in the runs list: its listing, whether it is running, how long it took, its pass rate. */
export interface RunEntry extends RunListing {
  readonly running: boolean;
  readonly durationMs: number;
  readonly rate: Rate;
}

/** A run's page: its entry, pass rates by group and assertion, statuses and latency. */
export interface RunSummaryView {
  readonly run: RunEntry;
  readonly groups: readonly (Rate & {
    readonly workflowId: string;
    readonly variant: string | null;
    readonly tokens: number;
    readonly cost: number;
    readonly meanMs: number | null;
  })[];
  readonly assertions: readonly (Rate & {
    readonly name: string;
    readonly type: string;
    readonly meanScore: number | null;
    readonly errors: number;
  })[];
  readonly statuses: Readonly<Record<string, number>>;
  readonly latency: Readonly<Record<string, number>>;
  readonly histogram: { readonly width: number; readonly counts: readonly number[] };
}

/** The entry of `run` in the runs list. */
export function runEntry(run: RunListing): RunEntry {
  return {
    ...run,
    running: run.status === 'running',
    durationMs: (run.finishedAt ?? run.updatedAt) - run.createdAt,
    rate: rateOf(run.passed, run.results),
  };
}

/** The percentiles the run page shows. */
const PERCENTILES = [50, 90, 95, 99] as const;

/**
 * A run's summary page: pass rate per workflow and variant and per assertion, results by status,
 * latency percentiles and histogram, tokens and cost, and what its results can be filtered by.
 * Undefined when the store has no such run.
 */
export function runSummary(reader: StoreReader, id: string): RunSummaryView | undefined {
  return reader.perVersion(`summary:${id}`, () => summaryOf(reader, id));
}

function summaryOf(reader: StoreReader, id: string): RunSummaryView | undefined {
  const run = reader.run(id);
  if (run === undefined) return undefined;
  const groups = reader.groups(id).map((g) => ({
    workflowId: String(g.workflowId),
    variant: (g.variant as string | null) ?? null,
    ...rateOf(num(g.passed), num(g.ended)),
    tokens: num(g.tokens),
    cost: num(g.cost),
    meanMs: maybe(g.meanMs),
  }));
  const latency = reader.latency(id, PERCENTILES, 20);
  const assertions = reader.assertions(id).map((a) => ({
    name: String(a.name),
    type: String(a.type),
    ...rateOf(num(a.passed), num(a.graded)),
    meanScore: maybe(a.meanScore),
    errors: num(a.errors),
  }));
  return {
    run: runEntry(run),
    groups,
    assertions,
    statuses: reader.statuses(id),
    latency: latency.percentiles,
    histogram: latency.histogram,
  };
}
