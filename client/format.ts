// How numbers and values read on the pages.

export const percent = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;

export const interval = (value: readonly [number, number] | null): string =>
  value === null ? '' : `${(value[0] * 100).toFixed(0)}–${(value[1] * 100).toFixed(0)}%`;

export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined
    ? '—'
    : value >= 10_000
      ? `${(value / 1000).toFixed(1)} s`
      : `${Math.round(value).toLocaleString('en')} ms`;

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en');

export const money = (value: number | null | undefined): string =>
  value === null || value === undefined || value === 0
    ? '—'
    : `$${value >= 0.01 ? value.toFixed(4) : value.toPrecision(2)}`;

export const when = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19);

export const pValue = (p: number): string => (p < 0.001 ? '< 0.001' : p.toFixed(3));

/** A value of a run (an output, inputs) as text: strings as they are, the rest as JSON. */
export const asText = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : typeof value === 'string'
      ? value
      : JSON.stringify(value, null, 2);
