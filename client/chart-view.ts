import Chart from 'chart.js/auto';
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A Chart.js chart's configuration, as `new Chart` takes it. */
export type ChartConfig = ConstructorParameters<typeof Chart>[1];

/** A Chart.js chart on a canvas, drawn again when `config` changes. */
export function ChartView({
  config,
  label,
}: {
  readonly config: ChartConfig;
  readonly label: string;
}): VNode {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current === null) return undefined;
    const chart = new Chart(canvas.current, {
      ...config,
      options: { animation: false, maintainAspectRatio: false, ...config.options },
    });
    return () => {
      chart.destroy();
    };
  }, [config]);
  return html`<div class="chart">
    <canvas ref=${canvas} role="img" aria-label=${label}></canvas>
  </div>`;
}
