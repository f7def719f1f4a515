import type { SimFault } from './fault-plan.js';
import type { SimApp } from './sim-app.js';
import { difyError, type HttpAnswer } from './sim-http.js';

/** The 429 a full app answers: the cap stated, as most Dify versions do, or not. */
function tooMany(app: SimApp): HttpAnswer {
  const cap = app.behaviour.concurrency_cap;
  const stated =
    cap !== undefined && app.behaviour.cap_states_limit
      ? ` The current maximum concurrent requests allowed for ${app.id} is ${cap}.`
      : '';
  return difyError(429, 'too_many_requests', `Too many requests. Please try again later.${stated}`);
}

/**
 * Lets a run request through, or answers it as Dify would under the faults struck and the
 * app's behaviour (a scripted error, 5xx, 429s, the concurrency cap); the faults for the run.
 * `onCapRejected` counts the requests the concurrency cap turned away.
 */
export function admitRun(
  app: SimApp,
  faults: SimFault[],
  random: () => number,
  onCapRejected: () => void,
): SimFault[] {
  const fault = <K extends SimFault['kind']>(kind: K): Extract<SimFault, { kind: K }> | undefined =>
    faults.find((f): f is Extract<SimFault, { kind: K }> => f.kind === kind);
  const scripted = fault('http_error');
  if (scripted !== undefined)
    throw difyError(
      scripted.status,
      scripted.code,
      scripted.message ?? `simulated ${scripted.code}`,
    );
  const http5xx = fault('http_5xx');
  if (http5xx !== undefined)
    throw difyError(http5xx.status ?? 500, 'internal_server_error', 'Internal Server Error.');
  if (fault('storm_429') !== undefined) throw tooMany(app);
  const { behaviour } = app;
  if (random() < behaviour.error_5xx_rate)
    throw difyError(500, 'internal_server_error', 'Internal Server Error.');
  if (random() < behaviour.rate_429_rate)
    throw difyError(429, 'rate_limit_error', 'Rate Limit Error');
  if (behaviour.concurrency_cap !== undefined && app.inFlight >= behaviour.concurrency_cap) {
    onCapRejected();
    throw tooMany(app);
  }
  return faults;
}
