import { describe, expect, it } from 'vitest';
import { untilAborted } from './abort-signal.js';

describe('untilAborted', () => {
  it('resolves when the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    let done = false;
    const waiting = untilAborted(controller.signal).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    controller.abort();
    await waiting;
    expect(done).toBe(true);
    await expect(untilAborted(AbortSignal.abort())).resolves.toBeUndefined();
  });
});
