import type { Task, TaskError } from './task.js';

/**
 * Hooks into a run as it goes, for progress displays and stores. Every hook is optional and
 * called synchronously; a hook must not throw.
 */
export interface ExecutorObserver {
  /** An attempt started (the task is running; `task.attempts` counts it). */
  onTaskStart?(task: Task): void;
  /** An attempt failed and the task goes back in line after `delayMs`. */
  onTaskRetry?(task: Task, error: TaskError, delayMs: number): void;
  /** The task reached a terminal state. */
  onTaskEnd?(task: Task): void;
  /** The adaptive concurrency limit changed. */
  onConcurrencyChange?(limit: number): void;
}

/** The function a run executes for every task: it gets an abort signal and returns the output. */
export type TaskFunction<Output = unknown> = (task: Task, signal: AbortSignal) => Promise<Output>;
