import type Chart from 'chart.js/auto';
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A Chart.js chart's configuration, as `new Chart` takes it. */
export type ChartConfig = ConstructorParameters<typeof Chart>[1];

/** Chart.js, loaded the first time a chart is drawn: the results table does not wait for it. */
let library: Promise<typeof Chart> | undefined;
const chartJs = (): Promise<typeof Chart> =>
  (library ??= import('chart.js/auto').then((module) => module.default));

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
    let chart: { destroy: () => void } | undefined;
    let gone = false;
    void chartJs().then((Library) => {
      if (gone || canvas.current === null) return;
      chart = new Library(canvas.current, {
        ...config,
        options: { animation: false, maintainAspectRatio: false, ...config.options },
      });
    });
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [config]);
  return html`<div class="chart">
    <canvas ref=${canvas} role="img" aria-label=${label}></canvas>
  </div>`;
}
