import { describe, expect, it } from 'vitest';
import { InFlightCounter } from './in-flight-counter.js';

describe('InFlightCounter', () => {
  it('is drained at once when nothing runs', async () => {
    await expect(new InFlightCounter().drained()).resolves.toBeUndefined();
  });

  it('is drained when the last running call ends, not before', async () => {
    const counter = new InFlightCounter();
    counter.begin();
    counter.begin();
    let drained = false;
    const waiting = counter.drained().then(() => {
      drained = true;
    });
    counter.end();
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(counter.count).toBe(1);
    counter.end();
    await waiting;
    expect(drained).toBe(true);
    expect(counter.count).toBe(0);
  });
});
