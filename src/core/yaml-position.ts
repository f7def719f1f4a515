import { isMap, isScalar, type Document, type LineCounter } from 'yaml';

/** A place in a text file, 1-based. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where the value at `path` sits in a parsed YAML document; for a path that goes past what the
 * file holds (a missing key), the place of its deepest existing parent.
 */
export function yamlPosition(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  options: { readonly atKey?: boolean } = {},
): TextPosition | undefined {
  if (options.atKey === true && path.length > 0) {
    // The key itself (an unknown key is best shown where it is written).
    const parent: unknown = doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent)
      ? parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1))
      : undefined;
    const range = isScalar(pair?.key) ? pair.key.range : undefined;
    if (range !== undefined && range !== null) {
      const { line, col } = lines.linePos(range[0]);
      return { line, column: col };
    }
  }
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: readonly [number, number, number] } | undefined)?.range;
    if (range !== undefined) {
      const { line, col } = lines.linePos(range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}
