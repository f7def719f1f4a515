import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the chaos suite writes what each scenario ended with, for the README's figures. */
export const CHAOS_LEDGER = resolve('reports', 'chaos.jsonl');

/** Records one scenario's outcome (statuses, attempts, …) in `reports/chaos.jsonl`. */
export function recordScenario(name: string, figures: Record<string, unknown>): void {
  mkdirSync(resolve('reports'), { recursive: true });
  appendFileSync(
    CHAOS_LEDGER,
    `${JSON.stringify({ scenario: name, at: new Date().toISOString(), ...figures })}\n`,
  );
}
