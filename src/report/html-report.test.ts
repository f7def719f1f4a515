import { describe, expect, it } from 'vitest';
import { latencyHistogram } from './html-report.js';

describe('latencyHistogram', () => {
  it('bins latencies evenly between the fastest and the slowest', () => {
    expect(latencyHistogram([10, 20, 30, 40])).toEqual({
      labels: ['10–25 ms', '25–40 ms'],
      counts: [2, 2],
    });
    expect(latencyHistogram([])).toEqual({ labels: [], counts: [] });
  });

  it('handles more latencies than a function call takes arguments', () => {
    const latencies = Array.from({ length: 300_000 }, (_, i) => i % 1000);
    const { counts } = latencyHistogram(latencies);
    expect(counts).toHaveLength(20);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300_000);
  });
});
