import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { yamlPosition } from './yaml-position.js';

function parsed(text: string) {
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines }), lines };
}

describe('yamlPosition', () => {
  const { doc, lines } = parsed('a:\n  b: 1\n  list:\n    - x\n    - y\n');

  it('finds a value, a list item, and a key', () => {
    expect(yamlPosition(doc, lines, ['a', 'b'])).toEqual({ line: 2, column: 6 });
    expect(yamlPosition(doc, lines, ['a', 'list', 1])).toEqual({ line: 5, column: 7 });
    expect(yamlPosition(doc, lines, ['a', 'b'], { atKey: true })).toEqual({ line: 2, column: 3 });
    // A list item has no key: its value is the place.
    expect(yamlPosition(doc, lines, ['a', 'list', 0], { atKey: true })).toEqual({
      line: 4,
      column: 7,
    });
  });

  it('falls back to the deepest existing parent for a missing key', () => {
    expect(yamlPosition(doc, lines, ['a', 'missing', 'deeper'])).toEqual({ line: 2, column: 3 });
    expect(yamlPosition(doc, lines, ['a', 'missing'], { atKey: true })).toEqual({
      line: 2,
      column: 3,
    });
  });

  it('finds nothing in an empty document', () => {
    const empty = parsed('');
    expect(yamlPosition(empty.doc, empty.lines, ['a'])).toBeUndefined();
  });
});
