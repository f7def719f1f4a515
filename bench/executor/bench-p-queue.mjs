// p-queue: concurrency + interval rate limit (fixed window by default, sliding-window log with strict:true).
import PQueue from 'p-queue';
import { main, pkgVersion } from './common.mjs';

const version = pkgVersion('p-queue');

await main({
  name: 'p-queue',
  version,
  rateVariants: {
    // nearest equivalent of "600/min, burst 10": at most 10 starts per 1000 ms window
    fixed: {
      describe: '{intervalCap:10, interval:1000} fixed window',
      opts: { intervalCap: 10, interval: 1000 },
    },
    strict: {
      describe: '{intervalCap:10, interval:1000, strict:true} sliding-window log',
      opts: { intervalCap: 10, interval: 1000, strict: true },
    },
    smooth: {
      describe: '{intervalCap:1, interval:100} (no burst)',
      opts: { intervalCap: 1, interval: 100 },
    },
  },
  create: (c, rv) => {
    const q = new PQueue({ concurrency: c, ...(rv?.opts ?? {}) });
    return { submit: (fn) => q.add(fn), close: () => q.clear() };
  },
  run: (n, c, fn, rv) => {
    const q = new PQueue({ concurrency: c, ...(rv?.opts ?? {}) });
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = q.add(() => fn(i));
    return Promise.all(ps);
  },
});
