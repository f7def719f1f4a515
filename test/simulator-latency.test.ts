// The simulator's latency counts from a request's arrival, as Dify's own time does: a body that
// comes late, or a graph that takes time to run, is part of the run's time, not added to it.
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { useFakeTime } from './support/fake-time.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
});

/** Lets the sockets and the servers' callbacks run (real I/O; the fake clock stands still). */
async function settleIo(until: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !until(); turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the simulator latency', () => {
  it('answers a blocking run latency_ms after its request arrived, however late its body came', async () => {
    useFakeTime();
    sim = await startSimulator({
      apps: [
        {
          id: 'wf',
          api_key: 'app-wf-key',
          dsl: 'workflow-llm-basic.yml',
          behaviour: { latency_ms: 50 },
        },
      ],
    });
    const simulator = sim;
    const body = JSON.stringify({ inputs: { query: 'hi' }, response_mode: 'blocking', user: 'u' });
    const url = new URL(`${simulator.apiBase}/workflows/run`);
    let status: number | undefined;
    const request = http.request({
      hostname: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: 'Bearer app-wf-key',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    request.on('response', (response) => {
      status = response.statusCode;
      response.resume();
    });
    // The headers arrive; the body comes 30 ms later.
    request.flushHeaders();
    await settleIo(() => simulator.stats().requests === 1);
    expect(simulator.stats().requests).toBe(1);
    vi.advanceTimersByTime(30);
    request.end(body);
    await settleIo(() => simulator.stats().runsStarted === 1);
    expect(simulator.stats().runsStarted).toBe(1);

    // 49 ms after arrival: still running.
    await vi.advanceTimersByTimeAsync(19);
    await settleIo(() => status !== undefined);
    expect(status).toBeUndefined();
    // 50 ms after arrival (20 after the body): answered.
    await vi.advanceTimersByTimeAsync(1);
    await settleIo(() => status !== undefined);
    expect(status).toBe(200);
    expect(simulator.stats().runsFinished).toBe(1);
  });
});
