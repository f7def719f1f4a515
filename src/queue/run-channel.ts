import type { Redis } from 'ioredis';
import { appSlotKeys } from './app-slots.js';

/** What a run tells its workers through Redis: no secret ever (`${VAR}` stays unresolved). */
export interface RunAnnouncement {
  /** The configuration file's text, as written. */
  readonly configText: string;
  readonly configFile: string;
  readonly toolVersion: string;
  /** Where Dify's API is, when the coordinator serves it (the built-in simulator). */
  readonly apiBase: string | undefined;
}

/** A message on a run's stream: a worker's result, or its refusal of the run. */
export type StreamEntry =
  | { readonly kind: 'result'; readonly worker: string; readonly record: unknown }
  | { readonly kind: 'refused'; readonly worker: string; readonly message: string };

const keyOf = (runId: string, part: string): string => `dify-autoopt:run:${runId}:${part}`;
const GROUP = 'coordinator';
/** Where a cancelled run's id is published. */
export const CANCEL_CHANNEL = 'dify-autoopt:cancel';
/** Where a run's id is published when it is announced (again, on resume). */
export const ANNOUNCE_CHANNEL = 'dify-autoopt:announce';

/** The keys and stream of one run, on one Redis connection. */
export class RunChannel {
  readonly #redis: Redis;
  readonly runId: string;

  constructor(redis: Redis, runId: string) {
    this.#redis = redis;
    this.runId = runId;
  }

  /** The connection the channel talks on (the run's rate limit shares it). */
  get redis(): Redis {
    return this.#redis;
  }

  /** The token bucket's key every process of the run shares. */
  get rateKey(): string {
    return keyOf(this.runId, 'rate');
  }

  /** The judge's token bucket every process of the run shares. */
  get judgeRateKey(): string {
    return keyOf(this.runId, 'judge-rate');
  }

  /** The prefix of an app's concurrency cap every process of the run shares. */
  appKey(workflowId: string): string {
    return keyOf(this.runId, `app:${workflowId}`);
  }

  async announce(announcement: RunAnnouncement): Promise<void> {
    await this.#redis.set(keyOf(this.runId, 'config'), JSON.stringify(announcement));
    await this.#redis.del(keyOf(this.runId, 'cancelled'));
    // The group reads from the stream's start, so a coordinator that restarts misses nothing.
    await this.#redis
      .xgroup('CREATE', keyOf(this.runId, 'results'), GROUP, '0', 'MKSTREAM')
      .catch((error: unknown) => {
        if (!String(error).includes('BUSYGROUP')) throw error;
      });
    // Workers holding what they knew of an earlier announcement (cancelled) read it afresh.
    await this.#redis.publish(ANNOUNCE_CHANNEL, this.runId);
  }

  /** The run's announcement; undefined when the run is not (or no longer) in Redis. */
  async announcement(): Promise<RunAnnouncement | undefined> {
    const text = await this.#redis.get(keyOf(this.runId, 'config'));
    return text === null ? undefined : (JSON.parse(text) as RunAnnouncement);
  }

  /** Marks the run cancelled and tells every worker. */
  async cancel(): Promise<void> {
    await this.#redis.set(keyOf(this.runId, 'cancelled'), '1');
    await this.#redis.publish(CANCEL_CHANNEL, this.runId);
  }

  async cancelled(): Promise<boolean> {
    return (await this.#redis.exists(keyOf(this.runId, 'cancelled'))) === 1;
  }

  /** A worker's message to the coordinator, durable until acknowledged. */
  async send(entry: StreamEntry): Promise<void> {
    await this.#redis.xadd(keyOf(this.runId, 'results'), '*', 'entry', JSON.stringify(entry));
  }

  /**
   * The next messages for the coordinator: first those it read but never acknowledged (it
   * crashed before its store commit), then new ones, waiting up to `blockMs` for some.
   */
  async receive(
    consumer: string,
    options: {
      readonly count: number;
      /** How long to wait for new messages; none: answer at once. */
      readonly blockMs?: number | undefined;
      readonly backlog: boolean;
    },
  ): Promise<{ readonly id: string; readonly entry: StreamEntry }[]> {
    const stream = keyOf(this.runId, 'results');
    const answer = (await this.#redis
      .call(
        'XREADGROUP',
        'GROUP',
        GROUP,
        consumer,
        'COUNT',
        String(options.count),
        ...(options.backlog || options.blockMs === undefined
          ? []
          : ['BLOCK', String(options.blockMs)]),
        'STREAMS',
        stream,
        options.backlog ? '0' : '>',
      )
      .catch((error: unknown) => {
        // A run never announced on this Redis has no stream yet: nothing to read.
        // (or the stream vanished under a blocked read: Redis flushed or restarted).
        if (/NOGROUP|UNBLOCKED/.test(String(error))) return null;
        throw error;
      })) as [string, [string, string[]][]][] | null;
    const messages = answer?.[0]?.[1] ?? [];
    return messages.map(([id, fields]) => ({
      id,
      entry: JSON.parse(fields[1] ?? '{}') as StreamEntry,
    }));
  }

  /** Acknowledges and deletes messages the store has committed. */
  async acknowledge(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const stream = keyOf(this.runId, 'results');
    // One write for both: acknowledged, then gone from the stream.
    const answers = await this.#redis
      .pipeline()
      .xack(stream, GROUP, ...ids)
      .xdel(stream, ...ids)
      .exec();
    const failed = answers?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  /** Removes everything the run kept in Redis (it is over), with the caps of its apps. */
  async clear(workflowIds: readonly string[] = []): Promise<void> {
    await this.#redis.del(
      keyOf(this.runId, 'config'),
      keyOf(this.runId, 'cancelled'),
      keyOf(this.runId, 'results'),
      this.rateKey,
      this.judgeRateKey,
      ...workflowIds.flatMap((id) => appSlotKeys(this.appKey(id))),
    );
  }
}
