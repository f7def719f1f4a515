import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import type { RateLimit } from '../executor/rate-limit.js';
import { LocalLine } from './local-line.js';
import { LuaScript } from './lua-script.js';

/**
 * The generic cell rate algorithm in one script, so that every process sharing `KEYS[1]` draws
 * from one token bucket: the key holds the theoretical arrival time (µs); a start is allowed when
 * that time, moved on by the start's tokens, is no further ahead of now than the burst allows.
 * Over any window of t µs at most `burst + t / interval` tokens are taken. Now is Redis's clock
 * (TIME), the one clock every process shares, unless ARGV[4] gives it (tests).
 * ARGV[5] is headroom (µs) for what happens between a grant and the request's arrival at Dify
 * (a reply in transit, a busy event loop): the burst is used up that much earlier, so starts
 * still fit the bound where Dify counts them even when one arrives late and the next on time.
 * Taken only from the burst beyond its first token (a burst of 1 has none to give), so the
 * sustained rate is unchanged.
 * Times are whole µs (Lua's numbers reach Redis as integers). Returns {1, 0} when taken, {0, µs
 * to wait} when not.
 */
const GCRA_SCRIPT = new LuaScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
-- Taken once the arrival time, moved on by the tokens, is at most burst intervals ahead.
local headroom = math.min(tonumber(ARGV[5]), (burst - 1) * interval)
local allowed_at = tat + (count - burst) * interval + headroom
if allowed_at > now then
  return {0, math.ceil(allowed_at - now)}
end
-- Whole µs (rounded up: never looser), written in full: tostring keeps 14 digits of 16.
local next_tat = math.ceil(tat + count * interval)
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, 0}
`);

/** What one call of the script answered. */
export interface GcraAnswer {
  readonly taken: boolean;
  /** When not taken: how long until the tokens are there, in µs. */
  readonly waitUs: number;
}

/**
 * Takes `count` tokens from the bucket at `key` if they are there (one script call, atomic).
 * `nowUs` stands in for Redis's clock (tests only).
 */
export async function takeGcraTokens(
  redis: Redis,
  key: string,
  bucket: {
    readonly intervalUs: number;
    readonly burst: number;
    readonly count: number;
    readonly nowUs?: number | undefined;
    /** Headroom for arrival jitter, µs. @default 0 */
    readonly headroomUs?: number | undefined;
  },
): Promise<GcraAnswer> {
  const answer = (await GCRA_SCRIPT.call(
    redis,
    [key],
    [
      String(bucket.intervalUs),
      String(bucket.burst),
      String(bucket.count),
      bucket.nowUs === undefined ? '' : String(Math.round(bucket.nowUs)),
      String(Math.round(bucket.headroomUs ?? 0)),
    ],
  )) as [number, number];
  return { taken: answer[0] === 1, waitUs: answer[1] };
}

/** How a {@link GcraRateLimit} is set up. */
export interface GcraRateLimitOptions {
  readonly redis: Redis;
  /** The bucket's key: every process of one run uses the same. */
  readonly key: string;
  readonly perMinute: number;
  /** Tokens that may be taken at once after a quiet spell. @default 1 */
  readonly burst?: number;
  /**
   * Sleeps between tries run on this clock; with `clockIsRedis: false` its time stands in for
   * Redis's (tests). @default systemClock, Redis's time
   */
  readonly clock?: Clock;
  readonly clockIsRedis?: boolean;
  /**
   * Time between a grant and the request's arrival at Dify that the bound still holds across
   * (taken from the burst beyond its first token); a grant whose answer takes longer to come
   * back is let go and asked for again. @default 10
   */
  readonly headroomMs?: number;
}

/**
 * A token bucket shared through Redis by every process of a run: the executor's
 * {@link RateLimit}, so a worker's pool starts no attempt the whole run's limit would refuse.
 * Callers queue in process and only the head asks Redis, so a start costs about one call.
 */
export class GcraRateLimit implements RateLimit {
  readonly #options: GcraRateLimitOptions;
  readonly #intervalUs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #line: LocalLine<number, undefined>;
  #calls = 0;
  #stale = 0;
  readonly #headroomMs: number;

  constructor(options: GcraRateLimitOptions) {
    if (!(options.perMinute > 0)) throw new RangeError('perMinute must be above 0');
    this.#options = options;
    this.#intervalUs = 60_000_000 / options.perMinute;
    this.#burst = Math.max(1, options.burst ?? 1);
    this.#clock = options.clock ?? systemClock;
    this.#headroomMs = options.headroomMs ?? 10;
    this.#line = new LocalLine({
      clock: this.#clock,
      ask: async (count) => {
        const askedAt = this.#clock.now();
        const answer = await this.#take(count);
        if (!answer.taken) return { granted: false, retryMs: Math.ceil(answer.waitUs / 1000) };
        // A grant read later than the headroom after it was asked for would start late enough
        // to crowd the next starts where Dify counts them: it is let go, and asked for again.
        if (this.#clock.now() - askedAt > this.#headroomMs) {
          this.#stale += 1;
          return { granted: false, retryMs: 0 };
        }
        return { granted: true, value: undefined };
      },
    });
  }

  /** Script calls made so far (about one per start). */
  get redisCalls(): number {
    return this.#calls;
  }

  /** Grants let go because their answer came back later than the headroom. */
  get staleGrants(): number {
    return this.#stale;
  }

  /** Never takes at once: only Redis knows whether a token is there, which takes a call. */
  tryAcquire(): boolean {
    return false;
  }

  /** Waits in line, then until Redis grants the tokens; rejects when `signal` aborts. */
  acquire(count = 1, options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    // More than the burst at once could never be granted.
    if (count > this.#burst && options.signal?.aborted !== true)
      return Promise.reject(
        new RangeError(`cannot take ${count} tokens: the burst is ${this.#burst}`),
      );
    return this.#line.wait(count, options.signal);
  }

  #take(count: number): Promise<GcraAnswer> {
    this.#calls += 1;
    const { redis, key, clockIsRedis } = this.#options;
    return takeGcraTokens(redis, key, {
      intervalUs: this.#intervalUs,
      burst: this.#burst,
      count,
      nowUs: clockIsRedis === false ? this.#clock.now() * 1000 : undefined,
      headroomUs: this.#headroomMs * 1000,
    });
  }
}
