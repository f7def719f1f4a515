// Baseline: minimal hand-written executors, the floor any library (and our executor) is compared to.
//   --impl pool  (default): N lazily-pulled indices, `conc` async workers, Promise.all over the workers.
//                           Memory O(conc) + results array; this is the "Promise.all with a pool" baseline.
//   --impl eager          : p-limit-shaped limiter; all N tasks enqueued up front (one promise + closure each).
// Rate limiting (mode ratelimit): a continuous-refill token bucket (capacity = burst, refill = rate),
// FIFO waiters, one setTimeout armed for the instant the next token exists. Tokens are computed from the
// monotonic clock, so timer lateness never accumulates (no drift).
import { main, now, parseArgs } from './common.mjs';

class TokenBucket {
  constructor({ ratePerSec, burst }) {
    this.perMs = ratePerSec / 1000;
    this.cap = burst;
    this.tokens = burst;
    this.last = now();
    this.waiters = [];
    this.head = 0;
    this.timer = undefined;
  }
  #refill() {
    const t = now();
    this.tokens = Math.min(this.cap, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
  }
  #serve() {
    this.timer = undefined;
    this.#refill();
    while (this.head < this.waiters.length && this.tokens >= 1) {
      this.tokens -= 1;
      this.waiters[this.head++]();
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
      return;
    }
    const waitMs = (1 - this.tokens) / this.perMs;
    this.timer = setTimeout(() => this.#serve(), Math.max(1, Math.ceil(waitMs)));
  }
  take() {
    if (this.head === this.waiters.length) {
      this.#refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return undefined;
      } // fast path: no promise
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.timer === undefined) this.#serve();
    });
  }
}

async function pool(n, c, fn, rate) {
  const results = new Array(n);
  const bucket = rate ? new TokenBucket(rate) : undefined;
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      if (bucket) {
        const p = bucket.take();
        if (p) await p;
      }
      results[i] = await fn(i);
    }
  }
  const workers = [];
  for (let k = 0; k < Math.min(c, n); k++) workers.push(worker());
  await Promise.all(workers);
  return results;
}

function makeLimit(c) {
  let active = 0;
  let q = [];
  let head = 0;
  const pump = () => {
    while (active < c && head < q.length) {
      const job = q[head];
      q[head++] = undefined;
      active++;
      job();
    }
    if (head > 4096 && head * 2 > q.length) {
      q = q.slice(head);
      head = 0;
    }
  };
  const run = async (fn, resolve, reject) => {
    try {
      resolve(await fn());
    } catch (e) {
      reject(e);
    }
    active--;
    pump();
  };
  return (fn) =>
    new Promise((resolve, reject) => {
      q.push(() => run(fn, resolve, reject));
      pump();
    });
}

async function eager(n, c, fn) {
  const limit = makeLimit(c);
  const ps = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = limit(() => fn(i));
  return Promise.all(ps);
}

const impl = parseArgs().impl ?? 'pool';
await main({
  name: impl === 'eager' ? 'baseline-eager' : 'baseline-pool',
  version: 'hand-written',
  rateVariants: {
    tokenbucket: {
      describe: 'continuous token bucket rate=10/s burst=10, FIFO, 1 timer',
      ratePerSec: 10,
      burst: 10,
    },
  },
  // submit-style executor (used by the boundary probe): eager limiter, token taken when the slot is granted
  create: (c, rv) => {
    const limit = makeLimit(c);
    const bucket = new TokenBucket(rv);
    return {
      submit: (fn) =>
        limit(async () => {
          const p = bucket.take();
          if (p) await p;
          return fn();
        }),
    };
  },
  run: (n, c, fn, rv) => (impl === 'eager' ? eager(n, c, fn) : pool(n, c, fn, rv)),
});
