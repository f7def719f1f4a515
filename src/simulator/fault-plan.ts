/** A fault the simulator can be told to inject, for tests. */
export type SimFault =
  | { readonly kind: 'slow_first_byte'; readonly delayMs: number }
  | { readonly kind: 'slow_chunks'; readonly delayMs: number }
  | { readonly kind: 'drop_stream'; readonly afterEvents: number }
  | { readonly kind: 'malformed_frames' }
  | { readonly kind: 'http_5xx'; readonly status?: number }
  /** Any error answer: `provider_quota_exceeded`, a 401 mid-run, a daily `rate_limit_error`… */
  | {
      readonly kind: 'http_error';
      readonly status: number;
      readonly code: string;
      readonly message?: string;
    }
  | { readonly kind: 'storm_429' }
  /** The stream ends with an `error` event (HTTP 200 already sent), as Dify's do. */
  | { readonly kind: 'error_event'; readonly code?: string; readonly message?: string };

/** A fault, for how many run requests, and for which app (any, when unset). */
export type SimFaultRule = SimFault & { readonly count?: number; readonly app?: string };

interface Armed {
  readonly fault: SimFault;
  readonly app: string | undefined;
  left: number;
}

/** The faults waiting to strike, consumed one run request at a time, first armed first. */
export class FaultPlan {
  #armed: Armed[] = [];

  /** Arms a fault for the next `count` (default 1) run requests. */
  add(rule: SimFaultRule): void {
    const { count, app, ...fault } = rule;
    this.#armed.push({ fault, app, left: count ?? 1 });
  }

  /** Disarms everything. */
  clear(): void {
    this.#armed = [];
  }

  /** Faults armed and not yet spent. */
  get pending(): number {
    return this.#armed.reduce((sum, armed) => sum + armed.left, 0);
  }

  /** The faults that strike this request of `app`: at most one of each kind. */
  take(app: string): SimFault[] {
    const struck: SimFault[] = [];
    const kinds = new Set<string>();
    for (const armed of this.#armed) {
      if (armed.left <= 0 || kinds.has(armed.fault.kind)) continue;
      if (armed.app !== undefined && armed.app !== app) continue;
      armed.left -= 1;
      kinds.add(armed.fault.kind);
      struck.push(armed.fault);
    }
    this.#armed = this.#armed.filter((armed) => armed.left > 0);
    return struck;
  }
}
