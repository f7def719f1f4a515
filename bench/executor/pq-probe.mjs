// Repro: p-queue fixed-window over-admission at a window edge after the queue went idle.
// 1 task at t=0, 60 tasks added at t=990 ms, {intervalCap:10, interval:1000}. Prints start times (ms).
// Observed: 8.1.1 / 9.0.1 -> 9 at ~993 + 10 at ~1001 (classic 2x edge burst);
//           9.1.2 .. 9.3.5 -> 9 at ~993 + 10 at ~1000.6 + 10 at ~1002.3 (29 within ~10 ms); 12 runs of 9.3.5:
//           29-39 starts in [990,1100) ms in 10 runs, 19 in 2 (depends on the 1 ms Date.now() tick).
import PQueue from 'p-queue';
import { performance } from 'node:perf_hooks';
const q = new PQueue({ concurrency: 50, intervalCap: 10, interval: 1000 });
const t0 = performance.now();
const starts = [];
const task = async () => {
  starts.push(+(performance.now() - t0).toFixed(1));
};
q.add(task);
await new Promise((r) => setTimeout(r, 990));
const ps = [];
for (let i = 0; i < 60; i++) ps.push(q.add(task));
await Promise.all(ps);
console.log(starts.join(' '));
process.exit(0);
