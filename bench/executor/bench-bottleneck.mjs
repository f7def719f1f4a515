// Bottleneck (local datastore): maxConcurrent + minTime spacing + reservoir (refresh = fixed window,
// increase = token-bucket-like, both applied by a setInterval "heartbeat", default 250 ms).
import Bottleneck from 'bottleneck';
import { main, pkgVersion } from './common.mjs';

const version = pkgVersion('bottleneck');

const inc = {
  reservoir: 10,
  reservoirIncreaseAmount: 1,
  reservoirIncreaseInterval: 100,
  reservoirIncreaseMaximum: 10,
};
await main({
  name: 'bottleneck',
  version,
  rateVariants: {
    // Docs: reservoir intervals "must be divisible by 250" (the heartbeat). Nearest legal token bucket to
    // (rate 10/s, burst 10) is +5 every 500 ms capped at 10.
    'increase-5per500': {
      describe: 'reservoir 10, +5 every 500ms, max 10 (heartbeat 250, doc-legal)',
      opts: {
        reservoir: 10,
        reservoirIncreaseAmount: 5,
        reservoirIncreaseInterval: 500,
        reservoirIncreaseMaximum: 10,
      },
    },
    // Exact token-bucket parameters; interval 100 is below the 250 ms heartbeat (config trap).
    'increase-1per100': {
      describe: 'reservoir 10, +1 every 100ms, max 10, default heartbeat 250',
      opts: { ...inc },
    },
    'increase-1per100-hb50': {
      describe: 'reservoir 10, +1 every 100ms, max 10, heartbeatInterval 50',
      opts: { ...inc, heartbeatInterval: 50 },
    },
    refresh: {
      describe: 'reservoir 10, refresh to 10 every 1000ms (fixed window)',
      opts: { reservoir: 10, reservoirRefreshAmount: 10, reservoirRefreshInterval: 1000 },
    },
    mintime: { describe: 'minTime 100 (no burst)', opts: { minTime: 100 } },
  },
  create: (c, rv) => {
    const limiter = new Bottleneck({ maxConcurrent: c, ...(rv?.opts ?? {}) });
    return { submit: (fn) => limiter.schedule(fn), close: () => limiter.disconnect() };
  },
  run: (n, c, fn, rv) => {
    const limiter = new Bottleneck({ maxConcurrent: c, ...(rv?.opts ?? {}) });
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = limiter.schedule(() => fn(i));
    return Promise.all(ps);
  },
});
