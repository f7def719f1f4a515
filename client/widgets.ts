import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { DiffPart } from './api-types.js';
import { asText } from './format.js';

/** An error a fetch met, as the server worded it. */
export function Failure({ error }: { readonly error: Error }): VNode {
  return html`<p class="error" role="alert">${error.message}</p>`;
}

/** A value of a run (model text, JSON) in a block: always text, never markup. */
export function Value({
  value,
  empty = '—',
}: {
  readonly value: unknown;
  readonly empty?: string;
}): VNode {
  const text = asText(value);
  return text === ''
    ? html`<span class="muted">${empty}</span>`
    : html`<pre class="value">${text}</pre>`;
}

/** A pass or a fail. */
export function Verdict({ passed }: { readonly passed: boolean | null }): VNode {
  return passed === null
    ? html`<span class="verdict none">—</span>`
    : html`<span class=${`verdict ${passed ? 'pass' : 'fail'}`}>${passed ? 'pass' : 'fail'}</span>`;
}

/** A word diff: removed text struck, added text marked. */
export function Diff({ parts }: { readonly parts: readonly DiffPart[] }): VNode {
  return html`<pre class="diff">
${parts.map((part) =>
      part.op === '+'
        ? html`<ins>${part.text}</ins>`
        : part.op === '-'
          ? html`<del>${part.text}</del>`
          : part.text,
    )}</pre>`;
}
