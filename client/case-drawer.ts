import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useJson } from './api.js';
import type { CaseDetail, NodeTrace } from './api-types.js';
import { count, money, ms } from './format.js';
import { Failure, Value, Verdict } from './widgets.js';

/** The per-node timeline: each node a bar from where the one before it ended, as long as it ran. */
function Timeline({ nodes }: { readonly nodes: readonly NodeTrace[] }): VNode {
  const total = nodes.reduce((sum, n) => sum + (n.elapsedMs ?? 0), 0);
  if (nodes.length === 0 || total === 0)
    return html`<p class="muted">Dify reported no node timings for this case.</p>`;
  let start = 0;
  return html`<div class="timeline" role="img" aria-label="per-node timeline">
    ${nodes.map((node) => {
      const left = (start / total) * 100;
      const width = Math.max(0.5, ((node.elapsedMs ?? 0) / total) * 100);
      start += node.elapsedMs ?? 0;
      return html`<div class="node">
        <span class="node-name" title=${node.nodeId}
          >${node.title} <span class="muted">${node.nodeType}</span></span
        >
        <span class="node-track"
          ><span
            class=${`node-bar ${node.status}`}
            style=${{ left: `${left.toFixed(2)}%`, width: `${width.toFixed(2)}%` }}
          ></span
        ></span>
        <span class="node-ms"
          >${ms(node.elapsedMs)}${node.totalTokens === undefined ? '' : ` · ${count(node.totalTokens)} tok`}</span
        >
      </div>`;
    })}
  </div>`;
}

/** A case opened: its inputs, output, grades with reasons, error, attempts, timings and nodes. */
export function CaseDrawer(props: {
  readonly runId: string;
  readonly caseId: string;
  readonly version: number;
  readonly onClose: () => void;
}): VNode {
  const loaded = useJson<CaseDetail>(
    `/api/runs/${encodeURIComponent(props.runId)}/results/${encodeURIComponent(props.caseId)}`,
    props.version,
  );
  const detail = loaded.value;
  const result = detail?.result;
  return html`<aside class="drawer" aria-label=${`case ${props.caseId}`}>
    <header>
      <h2>Case <span class="case-id">${props.caseId}</span></h2>
      <button class="close" onClick=${props.onClose} title="Close (Esc)">×</button>
    </header>
    ${loaded.state === 'error' ? html`<${Failure} error=${loaded.error} />` : null}
    ${
      detail === undefined
        ? html`<p class="muted">Loading…</p>`
        : html`
            <dl class="facts">
              <dt>Verdict</dt>
              <dd>
                <${Verdict} passed=${result?.passed ?? null} />
                <span class="muted"
                  >${result?.score === null || result?.score === undefined ? '' : `score ${result.score.toFixed(2)}`}</span
                >
              </dd>
              <dt>Status</dt>
              <dd>
                ${result?.status ?? 'not run yet'}${result?.difyStatus ? ` (Dify: ${result.difyStatus})` : ''}
              </dd>
              <dt>Workflow</dt>
              <dd>
                ${result?.workflowId ?? '—'}${result?.variant ? ` · variant ${result.variant}` : ''}
              </dd>
              <dt>Attempts</dt>
              <dd>${result?.attempts ?? 0}</dd>
              <dt>Timings</dt>
              <dd>
                ${`queued ${ms(result?.queueMs)} · ran ${ms(result?.durationMs)} · total ${ms(result?.totalMs)} · Dify ${ms(result?.difyElapsedMs)}`}
              </dd>
              <dt>Tokens · cost</dt>
              <dd>${count(result?.tokens)} · ${money(result?.cost)}</dd>
              ${
                result?.workflowRunId
                  ? html`<dt>Dify run</dt>
                      <dd class="case-id">${result.workflowRunId}</dd>`
                  : null
              }
            </dl>
            ${
              result?.errorCode
                ? html`<h3>Error</h3>
                    <p class="error"><code>${result.errorCode}</code></p>
                    <${Value} value=${result.errorMessage} />`
                : null
            }
            <h3>Inputs</h3>
            <${Value} value=${detail.inputs} empty="(none)" />
            ${
              detail.query === null
                ? null
                : html`<h3>Query</h3>
                    <${Value} value=${detail.query} />`
            }
            <h3>Output</h3>
            <${Value} value=${result?.answer ?? result?.outputs} empty="(no output)" />
            ${
              detail.reference === null
                ? null
                : html`<h3>Expected</h3>
                    <${Value} value=${detail.reference} />`
            }
            <h3>Grades</h3>
            ${
              (result?.grades ?? []).length === 0
                ? html`<p class="muted">No assertions graded this case.</p>`
                : html`<table class="grid grades">
                    <thead>
                      <tr>
                        <th>Assertion</th>
                        <th>Verdict</th>
                        <th class="n">Score</th>
                        <th>Reason</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${(result?.grades ?? []).map(
                        (g) =>
                          html`<tr>
                            <td>${g.name ?? g.type} <span class="muted">${g.type}</span></td>
                            <td><${Verdict} passed=${g.pass} /></td>
                            <td class="n">${g.score === undefined ? '—' : g.score.toFixed(2)}</td>
                            <td class="reason">
                              ${g.errorCode === undefined ? '' : html`<code>${g.errorCode}</code> `}${g.reason ?? ''}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
            }
            <h3>Node timeline</h3>
            <${Timeline} nodes=${result?.nodes ?? []} />
          `
    }
  </aside>`;
}
