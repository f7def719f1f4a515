import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../core/clock.js';
import { startRedis, type TestRedis } from '../../test/support/redis-server.js';
import { GcraRateLimit, takeGcraTokens } from './gcra-rate-limit.js';

let redis: TestRedis;
let clients: Redis[];
let keys = 0;
const nextKey = (): string => `test:gcra:${(keys += 1)}`;

beforeAll(async () => {
  redis = await startRedis();
  clients = Array.from({ length: 4 }, () => new Redis(redis.port, '127.0.0.1'));
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await redis.stop();
});

const client = (index: number): Redis => {
  const found = clients[index % clients.length];
  if (found === undefined) throw new Error('no client');
  return found;
};

/** The most starts in any window, over what the bucket allows there: ≤ 0 when the bound held. */
function worstExcess(grantsUs: readonly number[], intervalUs: number, burst: number): number {
  const sorted = [...grantsUs].sort((a, b) => a - b);
  let worst = -Infinity;
  for (let i = 0; i < sorted.length; i += 1)
    for (let j = i; j < sorted.length; j += 1) {
      const windowUs = (sorted[j] ?? 0) - (sorted[i] ?? 0);
      worst = Math.max(worst, j - i + 1 - (burst + windowUs / intervalUs));
    }
  return worst;
}

/** A clock the test moves by hand: sleeps fire only when it is advanced past them. */
class ManualClock implements Clock {
  nowMs = 1_000_000;
  readonly timers = new Set<{ readonly atMs: number; readonly fire: () => void }>();
  now(): number {
    return this.nowMs;
  }
  setTimer(fire: () => void, delayMs: number): TimerHandle {
    const timer = { atMs: this.nowMs + delayMs, fire };
    this.timers.add(timer);
    return timer;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as { atMs: number; fire: () => void });
  }
  /** Moves to the earliest timer and fires it; false when none is armed. */
  fireNext(): boolean {
    const next = [...this.timers].sort((a, b) => a.atMs - b.atMs)[0];
    if (next === undefined) return false;
    this.timers.delete(next);
    this.nowMs = Math.max(this.nowMs, next.atMs);
    next.fire();
    return true;
  }
}

/** Lets Redis answer what is in flight: a few round trips of the event loop. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('the GCRA script', () => {
  it('never lets more than burst + t / interval starts through in any window, from any number of callers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 60, max: 6_000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2_000_000 })), {
          minLength: 1,
          maxLength: 40,
        }),
        async (perMinute, burst, arrivals) => {
          const key = nextKey();
          const intervalUs = 60_000_000 / perMinute;
          // Each caller tries at its arrival, and again when the script says the token is there.
          const pending = arrivals.map(([caller, atUs]) => ({ caller, atUs }));
          const grants: number[] = [];
          while (pending.length > 0) {
            pending.sort((a, b) => a.atUs - b.atUs);
            const next = pending.shift();
            if (next === undefined) break;
            const answer = await takeGcraTokens(client(next.caller), key, {
              intervalUs,
              burst,
              count: 1,
              nowUs: next.atUs,
            });
            if (answer.taken) grants.push(next.atUs);
            else {
              expect(answer.waitUs).toBeGreaterThan(0);
              pending.push({ caller: next.caller, atUs: next.atUs + answer.waitUs });
            }
          }
          expect(grants).toHaveLength(arrivals.length);
          // Rounding of the µs arguments only.
          expect(worstExcess(grants, intervalUs, burst)).toBeLessThanOrEqual(1e-3);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('with headroom, holds the bound at arrival however each start is delayed up to it, at the same sustained rate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 600, max: 6_000 }),
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 40 }),
        async (perMinute, burst, jitter) => {
          const key = nextKey();
          const intervalUs = 60_000_000 / perMinute;
          const headroomUs = Math.min(10_000, (burst - 1) * intervalUs);
          // A backlog: every start asks at once and again when told.
          const grants: number[] = [];
          let nowUs = 1_000_000;
          while (grants.length < jitter.length) {
            const answer = await takeGcraTokens(client(grants.length), key, {
              intervalUs,
              burst,
              count: 1,
              nowUs,
              headroomUs,
            });
            if (answer.taken) grants.push(nowUs);
            else nowUs += answer.waitUs;
          }
          const arrivals = grants.map((at, i) => at + (jitter[i] ?? 0) * headroomUs);
          expect(worstExcess(arrivals, intervalUs, burst)).toBeLessThanOrEqual(1e-3);
          // The sustained rate is the bucket's: one start per interval after the burst.
          const last = grants.at(-1) ?? 0;
          expect(last - 1_000_000).toBeLessThanOrEqual(
            // (whole µs: one of rounding a grant)
            Math.max(0, grants.length - burst) * intervalUs + headroomUs + grants.length,
          );
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it('grants a backlog at exactly the rate: a burst at once, then one per interval', async () => {
    const key = nextKey();
    const grants: number[] = [];
    let nowUs = 5_000_000;
    while (grants.length < 8) {
      const answer = await takeGcraTokens(client(grants.length), key, {
        intervalUs: 100_000,
        burst: 3,
        count: 1,
        nowUs,
      });
      if (answer.taken) grants.push(nowUs);
      else nowUs += answer.waitUs;
    }
    const start = 5_000_000;
    expect(grants.map((at) => at - start)).toEqual([
      0, 0, 0, 100_000, 200_000, 300_000, 400_000, 500_000,
    ]);
  });

  it("uses Redis's own clock when none is given", async () => {
    const key = nextKey();
    const first = await takeGcraTokens(client(0), key, {
      intervalUs: 60_000_000,
      burst: 1,
      count: 1,
    });
    const second = await takeGcraTokens(client(1), key, {
      intervalUs: 60_000_000,
      burst: 1,
      count: 1,
    });
    expect(first.taken).toBe(true);
    expect(second.taken).toBe(false);
    // About a minute to wait, by Redis's clock (whatever this process's clock says).
    expect(second.waitUs).toBeGreaterThan(50_000_000);
    expect(second.waitUs).toBeLessThanOrEqual(60_000_000);
  });
});

describe('GcraRateLimit', () => {
  it('shares one bucket between processes, asking Redis about once per start', async () => {
    const clock = new ManualClock();
    const key = nextKey();
    const limits = [0, 1, 2].map(
      (index) =>
        new GcraRateLimit({
          redis: client(index),
          key,
          perMinute: 600,
          burst: 2,
          clock,
          clockIsRedis: false,
        }),
    );
    const grantsUs: number[] = [];
    const all = limits.flatMap((limit) =>
      Array.from({ length: 6 }, () =>
        limit.acquire().then(() => grantsUs.push(clock.now() * 1000)),
      ),
    );
    for (let rounds = 0; rounds < 500 && grantsUs.length < all.length; rounds += 1) {
      await settle();
      clock.fireNext();
    }
    await Promise.all(all);
    expect(grantsUs).toHaveLength(18);
    expect(worstExcess(grantsUs, 100_000, 2)).toBeLessThanOrEqual(1e-3);
    // 18 starts at 10 a second after a burst of 2, the burst's second token 10 ms late (the
    // headroom for arrival jitter): the last at 1.61 s.
    expect(Math.max(...grantsUs) - Math.min(...grantsUs)).toBe(1_610_000);
    // Only each process's head asks: a grant, or one refusal per wait it sleeps out.
    const calls = limits.reduce((sum, limit) => sum + limit.redisCalls, 0);
    expect(calls).toBeLessThanOrEqual(18 * 3);
    expect(clock.timers.size).toBe(0);
  });

  it('never takes without asking, and drops an aborted waiter at once, leaving nothing behind', async () => {
    const clock = new ManualClock();
    const limit = new GcraRateLimit({
      redis: client(0),
      key: nextKey(),
      perMinute: 1,
      burst: 1,
      clock,
      clockIsRedis: false,
    });
    expect(limit.tryAcquire()).toBe(false);
    await expect(limit.acquire(2)).rejects.toThrow('cannot take 2 tokens: the burst is 1');
    await limit.acquire();
    const controller = new AbortController();
    const waiting = limit.acquire(1, { signal: controller.signal });
    const behind = new AbortController();
    const queued = limit.acquire(1, { signal: behind.signal });
    await settle();
    expect(clock.timers.size).toBe(1);
    behind.abort(new Error('stopped behind'));
    await expect(queued).rejects.toThrow('stopped behind');
    controller.abort(new Error('stopped at the head'));
    await expect(waiting).rejects.toThrow('stopped at the head');
    await settle();
    expect(clock.timers.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(behind.signal, 'abort')).toHaveLength(0);
    await expect(limit.acquire(1, { signal: controller.signal })).rejects.toThrow(
      'stopped at the head',
    );
  });

  it('lets a grant go whose answer came back later than the headroom, and asks again', async () => {
    // The third reading of the clock (after the answer) is 25 ms on: a busy event loop.
    const lags = [0, 0, 25];
    const clock = new (class extends ManualClock {
      override now(): number {
        this.nowMs += lags.shift() ?? 0;
        return this.nowMs;
      }
    })();
    const limit = new GcraRateLimit({
      redis: client(0),
      key: nextKey(),
      perMinute: 600,
      burst: 5,
      clock,
      clockIsRedis: false,
      headroomMs: 10,
    });
    const state = { granted: false };
    const start = limit.acquire().then(() => (state.granted = true));
    const waiting = (): boolean => !state.granted;
    for (let round = 0; round < 50 && waiting(); round += 1) {
      await settle();
      clock.fireNext();
    }
    await start;
    expect(limit.staleGrants).toBe(1);
    expect(limit.redisCalls).toBe(2);
  });

  it('fails the start when Redis cannot be asked, and the next tries afresh', async () => {
    const broken = new Redis(redis.port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    broken.disconnect();
    const limit = new GcraRateLimit({ redis: broken, key: nextKey(), perMinute: 60 });
    await expect(limit.acquire()).rejects.toThrow();
    await expect(limit.acquire()).rejects.toThrow();
    expect(limit.redisCalls).toBe(2);
  });
});
