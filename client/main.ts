import { html, render } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useStoreVersion } from './api.js';
import { ComparePage } from './compare-page.js';
import { OptimizationPage } from './optimization-page.js';
import { go, hrefOf, parseRoute } from './route.js';
import { RunPage } from './run-page.js';
import { RunsPage } from './runs-page.js';

/** `/` searches, `Esc` closes the open case (the run page handles `j` and `k`). */
function onKey(event: KeyboardEvent): void {
  const typing = (event.target as HTMLElement).tagName === 'INPUT';
  if (event.key === '/' && !typing) {
    const search = document.querySelector<HTMLInputElement>('[data-search]');
    if (search !== null) {
      event.preventDefault();
      search.focus();
    }
  } else if (event.key === 'Escape') {
    const route = parseRoute(location.hash);
    if (typing) (event.target as HTMLElement).blur();
    else if (route.page === 'run' && route.params.has('case')) {
      route.params.delete('case');
      go(hrefOf('run', route.id, Object.fromEntries(route.params)), true);
    }
  }
}

function App(): VNode {
  const [hash, setHash] = useState(location.hash);
  const { version, live } = useStoreVersion();
  useEffect(() => {
    const onHash = (): void => {
      setHash(location.hash);
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onKey);
    };
  }, []);
  const route = parseRoute(hash);
  const page =
    route.page === 'run'
      ? html`<${RunPage}
          key=${route.id}
          id=${route.id}
          params=${route.params}
          version=${version}
        />`
      : route.page === 'compare'
        ? html`<${ComparePage} params=${route.params} version=${version} />`
        : route.page === 'optimization'
          ? html`<${OptimizationPage} id=${route.id} version=${version} />`
          : html`<${RunsPage} version=${version} />`;
  return html` <nav>
      <a class="brand" href="#/runs">dify-autoopt</a>
      <a href="#/runs">Runs</a>
      <a href="#/compare">Compare</a>
      <span class=${`live ${live ? 'on' : 'off'}`} title="updates as runs write"
        >${live ? '● live' : '○ offline'}</span
      >
    </nav>
    <main>${page}</main>`;
}

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
