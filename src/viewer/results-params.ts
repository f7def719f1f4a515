import { isSortKey, type ResultsQuery, type SortKey } from '../store/results-query.js';
import { ViewerError } from './viewer-error.js';

/** The most rows one results page holds. */
export const MAX_PAGE = 500;

const bad = (message: string): ViewerError => new ViewerError('E_VIEW_BAD_QUERY', message, 400);

function whole(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw bad(
      `${name} must be a whole number from 0 to ${String(max)}, not ${JSON.stringify(raw)}`,
    );
  return Number(raw);
}

const text = (params: URLSearchParams, name: string): string | undefined => {
  const value = params.get(name);
  return value === null || (value === '' && name !== 'variant') ? undefined : value;
};

/**
 * A results page's query string as a query of the store: `offset`, `limit` (1 to 500, 100 by
 * default), `sort` (a column, `-` first for descending), `status`, `workflow`, `variant` (empty
 * for results without one), `assertion` (failed) and `q` (text searched).
 * @throws ViewerError `E_VIEW_BAD_QUERY` naming the parameter.
 */
export function resultsQueryOf(params: URLSearchParams): ResultsQuery {
  const sort = params.get('sort') ?? 'position';
  if (!isSortKey(sort)) throw bad(`sort ${JSON.stringify(sort)} is not a column of the results`);
  const limit = whole(params, 'limit', 100, MAX_PAGE);
  if (limit === 0) throw bad('limit must be at least 1');
  const q = text(params, 'q');
  if (q !== undefined && q.length > 200) throw bad('q is longer than 200 characters');
  return {
    offset: whole(params, 'offset', 0, Number.MAX_SAFE_INTEGER),
    limit,
    sort: sort satisfies SortKey,
    status: text(params, 'status'),
    workflow: text(params, 'workflow'),
    variant: text(params, 'variant'),
    assertion: text(params, 'assertion'),
    q,
  };
}
