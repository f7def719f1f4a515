import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
} from '@tanstack/virtual-core';
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { getJson } from './api.js';
import type { ResultRow, ResultsPage } from './api-types.js';
import { count, money, ms } from './format.js';
import { Verdict } from './widgets.js';

/** Rows fetched at a time, and each row's height (px). */
const PAGE = 200;
const ROW = 30;

const COLUMNS: readonly { key: string; label: string; sort?: string; numeric?: boolean }[] = [
  { key: 'position', label: '#', sort: 'position', numeric: true },
  { key: 'case', label: 'Case' },
  { key: 'workflow', label: 'Workflow', sort: 'workflow' },
  { key: 'status', label: 'Status', sort: 'status' },
  { key: 'verdict', label: 'Verdict' },
  { key: 'score', label: 'Score', sort: 'score', numeric: true },
  { key: 'duration', label: 'Latency', sort: 'duration', numeric: true },
  { key: 'tokens', label: 'Tokens', sort: 'tokens', numeric: true },
  { key: 'cost', label: 'Cost', sort: 'cost', numeric: true },
  { key: 'attempts', label: 'Tries', sort: 'attempts', numeric: true },
  { key: 'output', label: 'Output' },
];

/** The rows of a results query, fetched a page at a time as they scroll into view. */
function usePages(query: string, version: number) {
  const pages = useRef(new Map<number, readonly ResultRow[]>());
  const pending = useRef(new Set<number>());
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [error, setError] = useState<Error | undefined>(undefined);
  const generation = useRef(0);
  const load = (page: number): void => {
    if (pending.current.has(page)) return;
    pending.current.add(page);
    const mine = generation.current;
    getJson<ResultsPage>(`${query}&offset=${String(page * PAGE)}&limit=${String(PAGE)}`).then(
      (answer) => {
        if (mine !== generation.current) return;
        pending.current.delete(page);
        pages.current.set(page, answer.rows);
        setTotal(answer.total);
        redraw(undefined);
      },
      (failure: unknown) => {
        pending.current.delete(page);
        setError(failure as Error);
      },
    );
  };
  // A new query starts afresh; a new store version fetches the pages shown again, in place.
  useEffect(() => {
    generation.current += 1;
    pending.current.clear();
    pages.current = new Map();
    setTotal(undefined);
    setError(undefined);
    load(0);
  }, [query]);
  useEffect(() => {
    if (version === 0) return;
    const shown = [...pages.current.keys()];
    generation.current += 1;
    pending.current.clear();
    for (const page of shown) load(page);
  }, [version]);
  const row = (index: number): ResultRow | undefined => {
    const page = Math.floor(index / PAGE);
    const rows = pages.current.get(page);
    if (rows === undefined) load(page);
    return rows?.[index % PAGE];
  };
  return { total, row, error };
}

function cell(key: string, r: ResultRow): VNode | string {
  switch (key) {
    case 'position':
      return String(r.position + 1);
    case 'case':
      return html`<span class="case-id">${r.caseId}</span>`;
    case 'workflow':
      return r.variant === null ? r.workflowId : `${r.workflowId} · ${r.variant}`;
    case 'status':
      return html`<span class=${`status ${r.status}`}>${r.status}</span>`;
    case 'verdict':
      return html`<${Verdict} passed=${r.passed} />`;
    case 'score':
      return r.score === null ? '—' : r.score.toFixed(2);
    case 'duration':
      return ms(r.durationMs);
    case 'tokens':
      return count(r.tokens);
    case 'cost':
      return money(r.cost);
    case 'attempts':
      return String(r.attempts);
    default:
      return r.errorCode === null ? r.preview : `${r.errorCode}: ${r.preview}`;
  }
}

/**
 * A run's results as a virtualized table: only the rows in view are in the page, fetched from
 * the server a page at a time, sorted and filtered there. `selected` is the open case; `j`/`k`
 * (handled by the page) move it.
 */
export function ResultsTable(props: {
  readonly query: string;
  readonly version: number;
  readonly sort: string;
  readonly selected: string | undefined;
  readonly onSort: (sort: string) => void;
  readonly onOpen: (row: ResultRow, index: number) => void;
  readonly rowAt: { current: ((index: number) => ResultRow | undefined) | undefined };
  readonly cursor: number;
}): VNode {
  const { total, row, error } = usePages(props.query, props.version);
  props.rowAt.current = row;
  const scroller = useRef<HTMLDivElement>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const virtualizer = useMemo(
    () =>
      new Virtualizer<HTMLDivElement, HTMLDivElement>({
        count: 0,
        getScrollElement: () => scroller.current,
        estimateSize: () => ROW,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        overscan: 20,
        onChange: () => {
          redraw(undefined);
        },
      }),
    [],
  );
  virtualizer.setOptions({ ...virtualizer.options, count: total ?? 0 });
  useEffect(() => virtualizer._didMount(), [virtualizer]);
  useEffect(() => {
    virtualizer._willUpdate();
  });
  useEffect(() => {
    if (props.cursor >= 0) virtualizer.scrollToIndex(props.cursor, { align: 'auto' });
  }, [props.cursor]);
  const [field, descending] = props.sort.startsWith('-')
    ? [props.sort.slice(1), true]
    : [props.sort, false];
  return html`
    <div class="table-head">
      ${COLUMNS.map(
        (c) =>
          html`<div class=${`col ${c.key}${c.numeric === true ? ' n' : ''}`}>
            ${
              c.sort === undefined
                ? c.label
                : html`<button
                    class="sort"
                    aria-sort=${field === c.sort ? (descending ? 'descending' : 'ascending') : 'none'}
                    onClick=${() => {
                      props.onSort(
                        field === c.sort && !descending ? `-${c.sort}` : (c.sort ?? 'position'),
                      );
                    }}
                  >
                    ${c.label}${field === c.sort ? (descending ? ' ▼' : ' ▲') : ''}
                  </button>`
            }
          </div>`,
      )}
    </div>
    <div class="table-body" ref=${scroller} role="table" aria-rowcount=${total ?? 0}>
      <div style=${{ height: `${String(virtualizer.getTotalSize())}px`, position: 'relative' }}>
        ${virtualizer.getVirtualItems().map((item) => {
          const r = row(item.index);
          return html`<div
            key=${item.key}
            role="row"
            data-index=${item.index}
            class=${`row${r !== undefined && r.caseId === props.selected ? ' selected' : ''}${r?.passed === false ? ' failed' : ''}`}
            style=${{ transform: `translateY(${String(item.start)}px)`, height: `${String(ROW)}px` }}
            onClick=${() => {
              if (r !== undefined) props.onOpen(r, item.index);
            }}
          >
            ${
              r === undefined
                ? html`<div class="col loading">…</div>`
                : COLUMNS.map(
                    (c) =>
                      html`<div class=${`col ${c.key}${c.numeric === true ? ' n' : ''}`}>
                        ${cell(c.key, r)}
                      </div>`,
                  )
            }
          </div>`;
        })}
      </div>
    </div>
    <p class="muted table-foot">
      ${error === undefined ? (total === undefined ? 'Loading…' : `${count(total)} results`) : html`<span class="error">${error.message}</span>`}
    </p>
  `;
}
