import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { LocalLine } from './local-line.js';
import { LuaScript } from './lua-script.js';

/**
 * Takes a slot of an app's cap if one is free. KEYS[1]: a sorted set of holders by lease end
 * (ms on Redis's clock); KEYS[2]: a hash of the cap's state (limit, ceiling, successes, epoch),
 * made at the first call with ARGV[3] as limit and ceiling. Lapsed leases (a worker killed while
 * holding them) are freed first. Returns {1 or 0, limit, epoch}.
 */
const ACQUIRE_SCRIPT = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then
  limit = tonumber(ARGV[3])
  redis.call('HSET', KEYS[2], 'limit', limit, 'ceiling', limit, 'successes', 0, 'epoch', 0)
end
local epoch = tonumber(redis.call('HGET', KEYS[2], 'epoch'))
local ttl = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[2], ttl)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, limit, epoch}
end
return {0, limit, epoch}
`);

/**
 * Gives a slot back and adapts the cap as {@link AdaptiveConcurrency} does, for every process at
 * once: a call refused for the app's limits (ARGV[2] = 'limited') halves the limit, never above
 * a cap Dify stated (ARGV[3] > 0), once per epoch (the calls refused together count once); a
 * success raises it by one after as many successes as the limit. Returns the limit.
 */
const RELEASE_SCRIPT = new LuaScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
local state = redis.call('HMGET', KEYS[2], 'limit', 'ceiling', 'successes', 'epoch')
local limit, ceiling = tonumber(state[1]), tonumber(state[2])
local successes, epoch = tonumber(state[3]), tonumber(state[4])
if not limit then return 0 end
if ARGV[2] == 'limited' then
  local stated = tonumber(ARGV[3])
  if stated > 0 then ceiling = math.max(1, math.min(ceiling, stated)) end
  if tonumber(ARGV[4]) == epoch then
    limit = math.max(1, math.min(math.floor(limit / 2), ceiling))
    epoch = epoch + 1
  else
    limit = math.min(limit, ceiling)
  end
  successes = 0
elseif ARGV[2] == 'success' and limit < ceiling then
  successes = successes + 1
  if successes >= limit then
    successes = 0
    limit = limit + 1
  end
end
redis.call('HSET', KEYS[2], 'limit', limit, 'ceiling', ceiling, 'successes', successes, 'epoch', epoch)
return limit
`);

/** Moves the lease of every holder still held (ARGV[2..]) to ARGV[1] ms from now. */
const RENEW_SCRIPT = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
return 0
`);

/** How a slot's call ended: the cap adapts to it. */
export type SlotEnd =
  | { readonly kind: 'success' }
  | { readonly kind: 'limited'; readonly stated?: number | undefined }
  | { readonly kind: 'other' };

/** A held slot of the app's cap. */
export interface AppSlot {
  /** Gives the slot back, saying how its call ended. */
  end(how: SlotEnd): Promise<void>;
}

/** How an {@link AppSlots} is set up. */
export interface AppSlotsOptions {
  readonly redis: Redis;
  /** The cap's keys' prefix: every process of one run and app uses the same. */
  readonly key: string;
  /** The cap before any 429: the run's `execution.concurrency`. */
  readonly max: number;
  /** How long a slot outlives a process that died holding it (renewed while alive). */
  readonly leaseMs: number;
  /** Pause before a process whose slots are all taken asks again. @default 25 */
  readonly pollMs?: number;
  readonly clock?: Clock;
}

const DAY_MS = 86_400_000;

/** The two keys of the cap at `key`: its holders, and its state. */
export function appSlotKeys(key: string): [string, string] {
  return [`${key}:holders`, `${key}:cap`];
}

/**
 * One concurrency cap for an app across every process of a run, kept in Redis: at most `limit`
 * calls in flight, the limit halved by Dify's 429 and raised back by successes for all at once.
 * Each slot is leased (renewed while its process lives), so a killed worker's slots come back.
 * Waiters queue in process and only the head asks Redis.
 */
export class AppSlots {
  readonly #options: AppSlotsOptions;
  readonly #process = randomUUID();
  readonly #held = new Set<string>();
  readonly #line: LocalLine<string, number>;
  #renewal: NodeJS.Timeout | undefined;
  #next = 0;
  #limit: number;

  constructor(options: AppSlotsOptions) {
    this.#options = options;
    this.#limit = options.max;
    this.#line = new LocalLine({
      clock: options.clock ?? systemClock,
      ask: async (holder) => {
        const [taken, limit, epoch] = (await ACQUIRE_SCRIPT.call(options.redis, this.#keys, [
          holder,
          String(options.leaseMs),
          String(options.max),
          String(DAY_MS),
        ])) as [number, number, number];
        this.#limit = limit;
        if (taken !== 1) return { granted: false, retryMs: options.pollMs ?? 25 };
        this.#held.add(holder);
        // Leases are renewed while any slot is held here, and only then.
        if (this.#renewal === undefined) {
          this.#renewal = setInterval(() => void this.#renew(), Math.max(50, options.leaseMs / 3));
          this.#renewal.unref();
        }
        return { granted: true, value: epoch };
      },
      // Granted while its waiter was aborted: given straight back.
      abandon: (holder) => void this.#release(holder, { kind: 'other' }, -1).catch(() => undefined),
    });
  }

  get #keys(): [string, string] {
    return appSlotKeys(this.#options.key);
  }

  /** The cap as last seen in Redis. */
  get limit(): number {
    return this.#limit;
  }

  /** Waits for a slot of the app's cap; rejects when `signal` aborts. */
  async acquire(signal?: AbortSignal): Promise<AppSlot> {
    this.#next += 1;
    const holder = `${this.#process}:${this.#next}`;
    const epoch = await this.#line.wait(holder, signal);
    let ended = false;
    return {
      end: async (how) => {
        if (ended) return;
        ended = true;
        await this.#release(holder, how, epoch);
      },
    };
  }

  /** Stops renewing the leases (the process is leaving). */
  close(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  async #release(holder: string, how: SlotEnd, epoch: number): Promise<void> {
    this.#held.delete(holder);
    try {
      this.#limit = (await RELEASE_SCRIPT.call(this.#options.redis, this.#keys, [
        holder,
        how.kind,
        String(how.kind === 'limited' ? (how.stated ?? 0) : 0),
        String(epoch),
      ])) as number;
    } finally {
      this.#line.nudge();
    }
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) {
      this.close();
      return;
    }
    await RENEW_SCRIPT.call(
      this.#options.redis,
      [this.#keys[0]],
      [String(this.#options.leaseMs), ...this.#held],
    ).catch(() => undefined);
  }
}
