import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HeapGuard, fullCollection, lazyFullCollection } from './heap-guard.js';

describe('HeapGuard', () => {
  it('collects every N results only past the floor and twice the live heap after the last one', () => {
    let used = 10;
    const collected: number[] = [];
    const guard = new HeapGuard({
      everyResults: 3,
      floorBytes: 100,
      heapUsed: () => used,
      collect: () => {
        collected.push(used);
        used = 80; // what is alive after the collection
      },
    });
    const results = (n: number): void => {
      for (let i = 0; i < n; i += 1) guard.onResult();
    };
    results(3);
    expect(collected).toEqual([]); // under the floor
    used = 150;
    results(2);
    expect(collected).toEqual([]); // not at a third result yet
    results(1);
    expect(collected).toEqual([150]);
    used = 150; // past the floor but under twice the 80 alive after the last collection
    results(3);
    expect(guard.collections).toBe(1);
    used = 170;
    results(3);
    expect(collected).toEqual([150, 170]);
    expect(guard.collections).toBe(2);
  });

  it('reads the heap in use from V8 by default', () => {
    let calls = 0;
    const guard = new HeapGuard({
      everyResults: 1,
      floorBytes: 1,
      collect: () => {
        calls += 1;
      },
    });
    guard.onResult();
    expect(calls).toBe(1);
  });
});

describe('fullCollection', () => {
  it('gives V8’s full collection on this Node', () => {
    const gc = fullCollection();
    expect(typeof gc).toBe('function');
    gc?.();
  });

  it('leaves no gc on the contexts made after it', () => {
    fullCollection();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('runs V8’s collection when called, again and again, and leaves no gc behind either', () => {
    const collect = lazyFullCollection();
    expect(runInNewContext('typeof gc')).toBe('undefined');
    collect();
    collect();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
