/** One route: a method, a path pattern whose groups are its parameters, what answers it. */
export interface Route<Call> {
  readonly method: string;
  readonly path: RegExp;
  readonly answer: (call: Call, params: readonly string[]) => Promise<void>;
}

/** The first route for `method` and `path`, with its parameters decoded; undefined for none. */
export function findRoute<R extends Route<never>>(
  routes: readonly R[],
  method: string,
  path: string,
): { readonly route: R; readonly params: readonly string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.path.exec(path);
    if (match !== null) return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}
