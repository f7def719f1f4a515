// The page's place in the URL's hash: every page and open case has a link.

export interface Route {
  readonly page: 'runs' | 'run' | 'compare' | 'optimization';
  readonly id: string;
  readonly params: URLSearchParams;
}

/** The route of a hash such as `#/run/ID?status=failed&case=c1`. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const [, page = 'runs', ...rest] = path.split('/');
  const id = decodeURIComponent(rest.join('/'));
  const params = new URLSearchParams(query);
  if (page === 'run' || page === 'optimization') return { page, id, params };
  if (page === 'compare') return { page, id: '', params };
  return { page: 'runs', id: '', params };
}

/** The hash of a page with its parameters (empty ones left out). */
export function hrefOf(
  page: Route['page'],
  id = '',
  params: Readonly<Record<string, string | undefined>> = {},
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && (value !== '' || key === 'variant')) query.set(key, value);
  const tail = query.toString();
  return `#/${page}${id === '' ? '' : `/${encodeURIComponent(id)}`}${tail === '' ? '' : `?${tail}`}`;
}

/** Goes to `href`, replacing the history entry when only a filter changed. */
export function go(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else location.hash = href;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}
