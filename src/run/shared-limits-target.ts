import { DifyError } from '../dify/dify-error.js';
import type { RateLimit } from '../executor/rate-limit.js';
import type { AppSlots, SlotEnd } from '../queue/app-slots.js';
import type { CaseTarget } from './case-target.js';

/**
 * A target whose every call first holds a slot of the app's cap shared by all the run's workers,
 * then takes a token of the run's shared rate limit, in that order, so that the starts Dify sees
 * are spaced as the bucket says even when slots free together. How the call ended adapts the
 * shared cap: Dify's 429 halves it for every worker, successes raise it back.
 */
export function sharedLimitsTarget(
  target: CaseTarget,
  limits: { readonly slots: AppSlots; readonly rateLimiter: RateLimit | undefined },
): CaseTarget {
  return {
    label: target.label,
    ...(target.stopReason === undefined ? {} : { stopReason: target.stopReason }),
    run: async (c, options) => {
      const slot = await limits.slots.acquire(options.signal);
      let how: SlotEnd = { kind: 'other' };
      try {
        await limits.rateLimiter?.acquire(1, { signal: options.signal });
        const result = await target.run(c, options);
        how = { kind: 'success' };
        return result;
      } catch (error) {
        if (error instanceof DifyError && error.rateLimited)
          how = { kind: 'limited', stated: error.concurrencyLimit };
        throw error;
      } finally {
        // A slot Redis could not take back lapses with its lease.
        await slot.end(how).catch(() => undefined);
      }
    },
  };
}
