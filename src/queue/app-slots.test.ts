import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/support/redis-server.js';
import { AppSlots, type AppSlot } from './app-slots.js';

let redis: TestRedis;
let clients: Redis[];
let keys = 0;
const nextKey = (): string => `test:slots:${(keys += 1)}`;
const open: AppSlots[] = [];

beforeAll(async () => {
  redis = await startRedis();
  clients = Array.from({ length: 3 }, () => new Redis(redis.port, '127.0.0.1'));
}, 30_000);
afterAll(async () => {
  for (const slots of open) slots.close();
  await Promise.all(clients.map((client) => client.quit()));
  await redis.stop();
});

/** One process's view of the cap at `key` (each on its own connection). */
function slotsOf(
  key: string,
  process: number,
  options: { max: number; leaseMs?: number; pollMs?: number },
): AppSlots {
  const client = clients[process];
  if (client === undefined) throw new Error('no client');
  const slots = new AppSlots({
    redis: client,
    key,
    max: options.max,
    leaseMs: options.leaseMs ?? 30_000,
    pollMs: options.pollMs ?? 5,
  });
  open.push(slots);
  return slots;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('AppSlots: one concurrency cap per app across processes', () => {
  it('never lets more calls in flight than the cap, across three processes', async () => {
    const key = nextKey();
    const processes = [0, 1, 2].map((p) => slotsOf(key, p, { max: 3 }));
    let inFlight = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const slot = await (processes[i % 3] as AppSlots).acquire();
        inFlight += 1;
        most = Math.max(most, inFlight);
        await tick(2 + (i % 4));
        inFlight -= 1;
        done += 1;
        await slot.end({ kind: 'success' });
      }),
    );
    expect(done).toBe(30);
    expect(most).toBe(3);
  });

  it('halves the cap once for the calls Dify refused together, for every process, and climbs back', async () => {
    const key = nextKey();
    const a = slotsOf(key, 0, { max: 8 });
    const b = slotsOf(key, 1, { max: 8 });
    const held: AppSlot[] = [];
    for (let i = 0; i < 4; i += 1) held.push(await (i % 2 === 0 ? a : b).acquire());
    // Four calls in flight together were refused: one halving, not four.
    for (const slot of held) await slot.end({ kind: 'limited' });
    expect(a.limit).toBe(4);
    expect(b.limit).toBe(4);
    // A refusal after that halving halves again.
    await (await b.acquire()).end({ kind: 'limited' });
    expect(b.limit).toBe(2);
    // Two successes at limit 2 raise it to 3.
    for (let i = 0; i < 2; i += 1) await (await a.acquire()).end({ kind: 'success' });
    expect(a.limit).toBe(3);
    // Only 3 slots now, whichever process asks.
    const now = [await a.acquire(), await b.acquire(), await a.acquire()];
    const controller = new AbortController();
    const fourth = b.acquire(controller.signal);
    await tick(30);
    controller.abort(new Error('gave up'));
    await expect(fourth).rejects.toThrow('gave up');
    for (const slot of now) await slot.end({ kind: 'other' });
    // The aborted waiter holds nothing: three slots are free again.
    const again = [await a.acquire(), await b.acquire(), await b.acquire()];
    for (const slot of again) await slot.end({ kind: 'other' });
  });

  it('never climbs above the cap Dify stated in its 429', async () => {
    const key = nextKey();
    const a = slotsOf(key, 0, { max: 10 });
    await (await a.acquire()).end({ kind: 'limited', stated: 2 });
    expect(a.limit).toBe(2);
    for (let i = 0; i < 20; i += 1) await (await a.acquire()).end({ kind: 'success' });
    expect(a.limit).toBe(2);
  });

  it('frees the slots of a process that died holding them once their lease lapses', async () => {
    const key = nextKey();
    const dead = slotsOf(key, 0, { max: 2, leaseMs: 150 });
    await dead.acquire();
    await dead.acquire();
    dead.close(); // killed: no release, no renewal
    const alive = slotsOf(key, 1, { max: 2, leaseMs: 150 });
    const slot = await alive.acquire();
    await slot.end({ kind: 'success' });
  });

  it('keeps the slots of a live process past their first lease (renewed)', async () => {
    const key = nextKey();
    const holder = slotsOf(key, 0, { max: 1, leaseMs: 150 });
    const held = await holder.acquire();
    const other = slotsOf(key, 1, { max: 1, leaseMs: 150 });
    const controller = new AbortController();
    const waiting = other.acquire(controller.signal);
    let granted = false;
    void waiting.then(() => (granted = true)).catch(() => undefined);
    await tick(500);
    expect(granted).toBe(false);
    await held.end({ kind: 'success' });
    await (await waiting).end({ kind: 'success' });
  });
});
