// dify-autoopt's TaskScheduler through its public API: a manifest of n cases, one result per case.
import { RateLimiter, TaskScheduler } from '../../dist/index.js';
import { main } from './common.mjs';

const TOKEN_BUCKET = {
  describe: 'rateLimit {perMinute: 600, burst: 10} (token bucket)',
  perMinute: 600,
  burst: 10,
};

function manifest(n, concurrency, rateVariant) {
  const cases = new Array(n);
  for (let i = 0; i < n; i++) cases[i] = { id: String(i) };
  const rateLimit = rateVariant
    ? { perMinute: rateVariant.perMinute, burst: rateVariant.burst }
    : undefined;
  return {
    workflowId: 'bench',
    cases,
    policy: { concurrency, retry: { maxAttempts: 1 }, ...(rateLimit ? { rateLimit } : {}) },
  };
}

await main({
  name: 'dify-autoopt',
  version: JSON.parse(
    await (
      await import('node:fs/promises')
    ).readFile(new URL('../../package.json', import.meta.url), 'utf8'),
  ).version,
  rateVariants: { tokenbucket: TOKEN_BUCKET },
  run: async (n, c, fn, rv) => {
    const scheduler = new TaskScheduler({ taskFn: (task) => fn(task.index) });
    const result = await scheduler.runManifest(manifest(n, c, rv));
    const failed = result.statistics.completed - result.statistics.byStatus.succeeded;
    if (failed > 0) throw new Error(`${failed} tasks did not succeed`);
    return result.taskResults;
  },
  // Submit-style use for the boundary probe: each submission is a one-case run, all runs sharing
  // one rate limiter (the way several suites against one Dify app share its limit).
  create: (c, rv) => {
    const rateLimiter = new RateLimiter({ perMinute: rv.perMinute, burst: rv.burst });
    const scheduler = new TaskScheduler({ taskFn: (task) => task.metadata.fn(), rateLimiter });
    let next = 0;
    return {
      submit: (fn) =>
        scheduler.runManifest({
          workflowId: 'bench',
          cases: [{ id: String(next++), metadata: { fn } }],
          policy: { concurrency: c, retry: { maxAttempts: 1 } },
        }),
    };
  },
});
