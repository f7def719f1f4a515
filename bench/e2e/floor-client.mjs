// The floor of the end-to-end benchmark: the least any tool can do for the same suite, a bare
// loop of `concurrency` node:http keep-alive clients posting the same workflow run and parsing
// its JSON; no configuration, no store, no grading. Usage: floor-client.mjs URL CASES CONCURRENCY
import http from 'node:http';

const [url, casesArg, concurrencyArg] = process.argv.slice(2);
const cases = Number(casesArg);
const concurrency = Number(concurrencyArg);
const target = new URL('/v1/workflows/run', url);
const agent = new http.Agent({ keepAlive: true });

function runCase(index) {
  const body = JSON.stringify({
    inputs: { query: `question ${index}` },
    response_mode: 'blocking',
    user: 'floor',
  });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          authorization: 'Bearer app-bench',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (answer.data?.status === 'succeeded') resolve();
          else reject(new Error(`case ${index}: ${response.statusCode}`));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < cases) await runCase((next += 1));
  }),
);
agent.destroy();
