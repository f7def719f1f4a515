import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/support/redis-server.js';
import { LuaScript } from './lua-script.js';

let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.port, '127.0.0.1');
}, 30_000);
afterAll(async () => {
  await client.quit();
  await redis.stop();
});

describe('LuaScript', () => {
  it('runs by its SHA1, and sends its text again when Redis lost its scripts', async () => {
    const script = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(await script.call(client, ['counter'], ['2'])).toBe(2);
    expect(await script.call(client, ['counter'], ['3'])).toBe(5);
    await client.script('FLUSH');
    expect(await script.call(client, ['counter'], ['1'])).toBe(6);
  });

  it("passes Redis's other errors on", async () => {
    const script = new LuaScript("return redis.call('INCRBY', KEYS[1], 'x')");
    await expect(script.call(client, ['counter'], [])).rejects.toThrow(/not an integer/);
  });
});
