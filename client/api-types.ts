// The JSON the viewer's API answers: the server's view types (src/viewer/), imported as types
// only (nothing of the server is bundled), narrowed where the server passes stored JSON on.
import type { ResultRecord } from '../src/store/result-rows.js';
import type { ResultRow } from '../src/store/store-reader.js';
import type { ComparisonView } from '../src/viewer/compare-view.js';
import type { OptimizationView as StoredOptimization } from '../src/viewer/optimization-view.js';

export type { Flip } from '../src/viewer/compare-view.js';
export type { DiffPart } from '../src/viewer/optimization-view.js';
export type { RunEntry, RunSummaryView as RunSummary } from '../src/viewer/run-summary.js';
export type { ResultRow };
export type Comparison = ComparisonView;

export interface ResultsPage {
  readonly offset: number;
  readonly total: number;
  readonly rows: readonly ResultRow[];
}

/** A node of a Dify run as the store keeps it (dify/dify-run-result.ts's DifyNodeTrace). */
export interface NodeTrace {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly title: string;
  readonly status: string;
  readonly elapsedMs?: number;
  readonly totalTokens?: number;
  readonly error?: string;
}

/** A grade as the store keeps it (assertions/assertion.ts's GradeResult). */
export interface Grade {
  readonly name?: string;
  readonly type: string;
  readonly pass: boolean;
  readonly score?: number;
  readonly reason?: string;
  readonly errorCode?: string;
}

export interface CaseDetail {
  readonly caseId: string;
  readonly position: number;
  readonly inputs: unknown;
  readonly query: string | null;
  readonly reference: unknown;
  readonly result?: Omit<ResultRecord, 'nodes' | 'grades'> & {
    readonly nodes: readonly NodeTrace[] | null;
    readonly grades: readonly Grade[] | null;
  };
}

/**
 * The optimizer's outcome, its `--json` (optimizer/optimization-outputs.ts's OptimizeJson): the
 * fields the page shows. Not imported: the optimizer's types pull in node's HTTP client.
 */
export interface Outcome {
  readonly accepted: boolean;
  readonly reason: string;
  readonly baseline: { readonly validation: number; readonly heldout: number };
  readonly best: {
    readonly candidate_id: string;
    readonly validation: number;
    readonly heldout: number | null;
  };
  readonly p_value: number | null;
  readonly runs_used: number;
  readonly budget: { readonly runs: number };
}

export type OptimizationView = Omit<StoredOptimization, 'outcome'> & {
  readonly outcome: Outcome | null;
};
