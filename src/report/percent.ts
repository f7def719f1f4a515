/** A 0..1 fraction as a percentage with one decimal: `0.1234` → `12.3%`. */
export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
