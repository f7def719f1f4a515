import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { CancellationToken } from './cancellation-token.js';
import { CancelledError } from './executor-error.js';

describe('CancellationToken', () => {
  it('starts uncancelled with a live signal', () => {
    const token = new CancellationToken();
    expect(token.isCancelled).toBe(false);
    expect(token.signal.aborted).toBe(false);
    expect(token.reason).toBeUndefined();
    expect(() => {
      token.throwIfCancelled();
    }).not.toThrow();
  });

  it('cancels with a reason, aborts its signal and throws a typed error', () => {
    const token = new CancellationToken();
    token.cancel('user pressed Ctrl-C');
    expect(token.isCancelled).toBe(true);
    expect(token.signal.aborted).toBe(true);
    expect(token.reason).toBe('user pressed Ctrl-C');
    expect(token.signal.reason).toBeInstanceOf(CancelledError);
    expect(() => {
      token.throwIfCancelled();
    }).toThrow(
      expect.objectContaining({ code: 'E_CANCELLED', message: 'user pressed Ctrl-C' }) as Error,
    );
  });

  it('is idempotent: a second cancel keeps the first reason and notifies nobody again', () => {
    const token = new CancellationToken();
    const callback = vi.fn();
    token.onCancel(callback);
    token.cancel();
    token.cancel('again');
    expect(token.reason).toBe('cancelled');
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('calls onCancel callbacks once with the reason, and not after unsubscribing', () => {
    const token = new CancellationToken();
    const kept = vi.fn();
    const dropped = vi.fn();
    token.onCancel(kept);
    const unsubscribe = token.onCancel(dropped);
    unsubscribe();
    unsubscribe();
    token.cancel('stop');
    expect(kept).toHaveBeenCalledWith(expect.objectContaining({ message: 'stop' }));
    expect(dropped).not.toHaveBeenCalled();
    expect(getEventListeners(token.signal, 'abort')).toHaveLength(0);
  });

  it('calls a callback at once when subscribed after cancellation', () => {
    const token = new CancellationToken();
    token.cancel('late');
    const callback = vi.fn();
    const unsubscribe = token.onCancel(callback);
    expect(callback).toHaveBeenCalledWith(expect.objectContaining({ message: 'late' }));
    expect(() => {
      unsubscribe();
    }).not.toThrow();
  });

  it('leaves no listener behind once unsubscribed, and takes any number without a leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    const token = new CancellationToken();
    const unsubscribes = Array.from({ length: 1000 }, () => token.onCancel(() => undefined));
    expect(getEventListeners(token.signal, 'abort')).toHaveLength(1000);
    for (const unsubscribe of unsubscribes) unsubscribe();
    expect(getEventListeners(token.signal, 'abort')).toHaveLength(0);
    token.reset();
    for (let i = 0; i < 20; i += 1) token.onCancel(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('can be reset to run again with a fresh signal', () => {
    const token = new CancellationToken();
    const old = token.signal;
    token.cancel();
    token.reset();
    expect(token.isCancelled).toBe(false);
    expect(token.signal).not.toBe(old);
    expect(token.signal.aborted).toBe(false);
    expect(old.aborted).toBe(true);
    token.cancel('second');
    expect(token.reason).toBe('second');
  });
});
