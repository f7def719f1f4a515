import { isPair, isScalar, isSeq, visit, type Document, type LineCounter } from 'yaml';
import type { ConfigProblem } from './config-error.js';

const PLACEHOLDER = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Fills `${VAR}` and `${VAR:-default}` in every string value of a YAML document from `env`
 * (`$$` writes a dollar). A plain scalar that is one placeholder and whose value reads as a
 * number or a boolean becomes that number or boolean. Returns one problem per unset variable
 * without a default, with its line and column.
 */
export function substituteEnv(
  doc: Document,
  lines: LineCounter,
  env: Readonly<Record<string, string | undefined>>,
  file: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const text = node.value;
      const missing: string[] = [];
      const filled = text.replace(
        PLACEHOLDER,
        (match, name: string | undefined, fallback: string | undefined) => {
          if (name === undefined) return '$';
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (fallback !== undefined) return fallback;
          missing.push(name);
          return match;
        },
      );
      for (const name of missing) {
        const position =
          node.range === undefined || node.range === null
            ? undefined
            : lines.linePos(node.range[0]);
        problems.push({
          path: keyPath(path).join('.') || '(root)',
          file,
          line: position?.line,
          column: position?.col,
          message: `environment variable ${name} is not set (give a default with \${${name}:-…})`,
        });
      }
      if (missing.length > 0) return;
      if (node.type === 'PLAIN' && WHOLE.test(text)) {
        if (/^-?\d+(\.\d+)?$/.test(filled)) {
          node.value = Number(filled);
          return;
        }
        if (filled === 'true' || filled === 'false') {
          node.value = filled === 'true';
          return;
        }
      }
      node.value = filled;
    },
  });
  return problems;
}

/** The key path of a node from the visitor's ancestry. */
function keyPath(ancestry: readonly unknown[]): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let i = 1; i < ancestry.length; i += 1) {
    const parent = ancestry[i - 1];
    const child = ancestry[i];
    if (isPair(child) && isScalar(child.key)) keys.push(String(child.key.value));
    else if (isSeq(parent)) keys.push(parent.items.indexOf(child));
  }
  return keys;
}
