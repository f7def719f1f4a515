import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from './executor-error.js';
import {
  TaskStatus,
  assertTransition,
  canTransition,
  isSuccessStatus,
  isTerminalStatus,
} from './task-status.js';

const ALL = Object.values(TaskStatus);
const LEGAL: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['queued', 'cancelled'],
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'timeout', 'error', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  timeout: [],
  cancelled: [],
  error: [],
};

describe('task state machine', () => {
  it('has exactly the eight states of the contract', () => {
    expect(ALL).toEqual([
      'pending',
      'queued',
      'running',
      'succeeded',
      'failed',
      'timeout',
      'cancelled',
      'error',
    ]);
  });

  for (const from of ALL) {
    for (const to of ALL) {
      const legal = LEGAL[from].includes(to);
      it(`${legal ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(legal);
        if (legal) {
          expect(() => {
            assertTransition('t1', from, to);
          }).not.toThrow();
        } else {
          let thrown: unknown;
          try {
            assertTransition('t1', from, to);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(InvalidTransitionError);
          expect(thrown).toMatchObject({ code: 'E_INVALID_TRANSITION', taskId: 't1', from, to });
        }
      });
    }
  }

  it('calls exactly succeeded, failed, timeout, cancelled and error terminal', () => {
    expect(ALL.filter(isTerminalStatus)).toEqual([
      'succeeded',
      'failed',
      'timeout',
      'cancelled',
      'error',
    ]);
  });

  it('counts only succeeded as success', () => {
    expect(ALL.filter(isSuccessStatus)).toEqual(['succeeded']);
  });
});
