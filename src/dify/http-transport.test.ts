import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeHttpFetch } from './http-transport.js';

let server: Server;
let base: string;
const seen: { method: string; type: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        type: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/slow-headers') {
        setTimeout(() => res.end('late'), 2000);
      } else if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first ');
        setTimeout(() => res.end('never'), 2000);
      } else {
        res.writeHead(201, {
          'set-cookie': ['a=1; Path=/', 'b=2'],
          'x-two': ['p', 'q'],
          'content-type': 'text/plain',
        });
        res.end(`echo ${req.method ?? ''} ${Buffer.concat(chunks).toString()}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeHttpFetch', () => {
  it('sends the method, headers and body, and reads status, headers and text', async () => {
    const response = await nodeHttpFetch(`${base}/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response).toMatchObject({ status: 201, ok: true });
    expect(response.headers.get('Content-Type')).toBe('text/plain');
    expect(response.headers.get('x-two')).toBe('p, q');
    expect(response.headers.get('missing')).toBeNull();
    expect(response.headers.getSetCookie?.()).toEqual(['a=1; Path=/', 'b=2']);
    await expect(response.text()).resolves.toBe('echo POST {"a":1}');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', type: 'application/json' });
  });

  it('accepts headers as a Headers object or as pairs', async () => {
    await nodeHttpFetch(`${base}/x`, { headers: new Headers({ 'x-a': '1' }) });
    await nodeHttpFetch(`${base}/x`, { headers: [['x-b', '2']] });
    expect(seen.at(-1)?.method).toBe('GET');
  });

  it('hands multipart bodies to the global fetch', async () => {
    const form = new FormData();
    form.set('user', 'u');
    const response = await nodeHttpFetch(`${base}/x`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    expect(seen.at(-1)?.type).toMatch(/^multipart\/form-data/);
  });

  it('rejects with the signal’s reason before the request, while waiting for headers, and mid-body', async () => {
    await expect(
      nodeHttpFetch(`${base}/x`, { signal: AbortSignal.abort(new Error('before')) }),
    ).rejects.toThrow('before');
    const waiting = new AbortController();
    const pending = nodeHttpFetch(`${base}/slow-headers`, { signal: waiting.signal });
    setTimeout(() => {
      waiting.abort(new Error('headers took too long'));
    }, 50);
    await expect(pending).rejects.toThrow('headers took too long');
    const reading = new AbortController();
    const response = await nodeHttpFetch(`${base}/stream`, { signal: reading.signal });
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of response.body ?? []) {
        chunks.push(Buffer.from(chunk).toString());
        reading.abort(new Error('enough'));
      }
    })();
    await expect(read).rejects.toThrow('enough');
    expect(chunks).toEqual(['first ']);
  });

  it('rejects text() with the signal’s reason when aborted mid-body', async () => {
    const reading = new AbortController();
    const response = await nodeHttpFetch(`${base}/stream`, { signal: reading.signal });
    const text = response.text();
    setTimeout(() => {
      reading.abort(new Error('cut short'));
    }, 50);
    await expect(text).rejects.toThrow('cut short');
  });

  it('leaves no listener on the caller’s signal once the answer is read', async () => {
    const reused = new AbortController();
    for (let i = 0; i < 3; i += 1) {
      const response = await nodeHttpFetch(`${base}/x`, {
        method: 'POST',
        body: String(i),
        signal: reused.signal,
      });
      await expect(response.text()).resolves.toBe(`echo POST ${i}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(reused.signal, 'abort')).toHaveLength(0);
  });

  it('rejects when nothing listens', async () => {
    await expect(nodeHttpFetch('http://127.0.0.1:9/x', {})).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

describe('nodeHttpFetch over https', () => {
  const tls = new URL('../../test/support/tls/', import.meta.url);
  let secure: HttpsServer;
  let secureBase: string;
  beforeAll(async () => {
    secure = createHttpsServer(
      {
        key: readFileSync(new URL('loopback-test.key', tls)),
        cert: readFileSync(new URL('loopback-test.crt', tls)),
      },
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`secure ${req.method ?? ''}`);
      },
    );
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    secure.closeAllConnections();
    await new Promise((resolve) => secure.close(resolve));
  });

  it('speaks TLS and refuses a certificate nobody vouches for', async () => {
    await expect(nodeHttpFetch(`${secureBase}/x`, {})).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('reads the answer once the certificate is trusted', async () => {
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    const response = await nodeHttpFetch(`${secureBase}/x`, { method: 'POST', body: 'b' });
    expect(response.status).toBe(200);
    await expect(response.text()).resolves.toBe('secure POST');
  });
});
