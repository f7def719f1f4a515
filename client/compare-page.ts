import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useJson } from './api.js';
import type { Comparison, Flip, RunEntry } from './api-types.js';
import { count, interval, percent, pValue } from './format.js';
import { go, hrefOf } from './route.js';
import { Failure, Value, Verdict } from './widgets.js';

/** Every side a comparison can take: each run, and each variant of a run. */
function sidesOf(runs: readonly RunEntry[]): string[] {
  return runs.flatMap((run) => [run.id, ...run.variants.map((v) => `${run.id}@${v}`)]);
}

function Flips({
  title,
  flips,
  total,
  a,
  b,
}: {
  readonly title: string;
  readonly flips: readonly Flip[];
  readonly total: number;
  readonly a: string;
  readonly b: string;
}): VNode {
  return html`<section class="flips">
    <h2>
      ${title}
      <span class="muted"
        >${count(total)}${total > flips.length ? `, the first ${String(flips.length)} shown` : ''}</span
      >
    </h2>
    ${
      flips.length === 0
        ? html`<p class="muted">None.</p>`
        : flips.map(
            (flip) =>
              html`<div class="flip">
                <div>
                  <h4>
                    <a href=${hrefOf('run', a.split('@')[0], { case: flip.a.caseId })}
                      >${flip.a.caseId}</a
                    >
                    <${Verdict} passed=${flip.a.passed} />
                    <span class="muted">${flip.workflowId}</span>
                  </h4>
                  <${Value} value=${flip.a.output} />
                </div>
                <div>
                  <h4>
                    <a href=${hrefOf('run', b.split('@')[0], { case: flip.b.caseId })}
                      >${flip.b.caseId}</a
                    >
                    <${Verdict} passed=${flip.b.passed} />
                  </h4>
                  <${Value} value=${flip.b.output} />
                </div>
              </div>`,
          )
    }
  </section>`;
}

/** Two runs, or two variants of one run: pass rates with intervals, McNemar's p, the flips. */
export function ComparePage({
  params,
  version,
}: {
  readonly params: URLSearchParams;
  readonly version: number;
}): VNode {
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  const runs = useJson<{ runs: RunEntry[] }>('/api/runs', version);
  const both = a !== '' && b !== '';
  const loaded = useJson<Comparison>(
    both ? `/api/compare?${new URLSearchParams({ a, b }).toString()}` : undefined,
    version,
  );
  const sides = sidesOf(runs.value?.runs ?? []);
  const pick = (name: 'a' | 'b', value: string): void => {
    go(hrefOf('compare', '', { a, b, [name]: value }), true);
  };
  const chooser = (name: 'a' | 'b', value: string): VNode =>
    html`<label
      >${name === 'a' ? 'Base' : 'Compared'}
      <select
        value=${value}
        onChange=${(e: Event) => {
          pick(name, (e.target as HTMLSelectElement).value);
        }}
      >
        <option value="">choose…</option>
        ${sides.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label
    >`;
  const c = loaded.value;
  return html`
    <h1>Compare</h1>
    <div class="toolbar">${chooser('a', a)} ${chooser('b', b)}</div>
    ${!both ? html`<p class="empty">Choose two runs, or two variants of one run.</p>` : null}
    ${loaded.state === 'error' ? html`<${Failure} error=${loaded.error} />` : null}
    ${
      both && c !== undefined
        ? html`
            <div class="cards">
              <div class="card">
                <b>${percent(c.a.rate)}</b
                ><span
                  >${`${c.a.label}: ${count(c.a.passed)} of ${count(c.a.ended)}`}<span class="muted"
                    >${interval(c.a.interval)}</span
                  ></span
                >
              </div>
              <div class="card">
                <b>${percent(c.b.rate)}</b
                ><span
                  >${`${c.b.label}: ${count(c.b.passed)} of ${count(c.b.ended)}`}<span class="muted"
                    >${interval(c.b.interval)}</span
                  ></span
                >
              </div>
              <div class="card">
                <b>${c.delta >= 0 ? '+' : ''}${percent(c.delta)}</b
                ><span
                  >${`paired difference over ${count(c.paired)} cases, 95% ${percent(c.deltaInterval[0])} to ${percent(c.deltaInterval[1])}`}</span
                >
              </div>
              <div class="card">
                <b>p ${pValue(c.pValue)}</b
                ><span
                  >${`McNemar exact: ${count(c.regressedCount)} regressed, ${count(c.improvedCount)} improved${c.pValue < 0.05 ? ' (not chance at 5%)' : ' (could be chance)'}`}</span
                >
              </div>
            </div>
            <${Flips}
              title="Regressed: pass → fail"
              flips=${c.regressed}
              total=${c.regressedCount}
              a=${a}
              b=${b}
            />
            <${Flips}
              title="Improved: fail → pass"
              flips=${c.improved}
              total=${c.improvedCount}
              a=${a}
              b=${b}
            />
          `
        : null
    }
  `;
}
