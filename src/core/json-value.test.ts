import { describe, expect, it } from 'vitest';
import { asArray, asObject, asString, asText } from './json-value.js';

describe('JSON value readers', () => {
  it('reads objects only', () => {
    expect(asObject({ a: 1 })).toEqual({ a: 1 });
    for (const value of [null, undefined, [1], 'x', 3]) expect(asObject(value)).toBeUndefined();
  });

  it('reads arrays, or gives an empty one', () => {
    expect(asArray([1, 2])).toEqual([1, 2]);
    expect(asArray({ length: 1 })).toEqual([]);
  });

  it('reads strings only', () => {
    expect(asString('x')).toBe('x');
    expect(asString(1)).toBeUndefined();
  });

  it('writes scalars as text and falls back for the rest', () => {
    expect(asText('x')).toBe('x');
    expect(asText(0.5)).toBe('0.5');
    expect(asText(false)).toBe('false');
    expect(asText({ a: 1 })).toBe('');
    expect(asText(null, 'none')).toBe('none');
  });
});
