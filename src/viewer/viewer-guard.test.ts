import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewerStore } from '../../test/support/viewer-store.js';
import { StoreReader } from '../store/store-reader.js';
import { createViewerApp } from './viewer-app.js';
import { CONTENT_SECURITY_POLICY, isLoopback, TOKEN_COOKIE } from './viewer-guard.js';

let reader: StoreReader;
beforeAll(() => {
  reader = StoreReader.open(viewerStore().path);
});
afterAll(() => {
  reader.close();
});

const assets = new Map([['/', { type: 'text/html; charset=utf-8', body: '<!doctype html>' }]]);

describe('the viewer guard', () => {
  it('puts a strict Content-Security-Policy and nosniff on every answer, errors too', async () => {
    const app = createViewerApp({ reader, assets });
    for (const url of ['/', '/api/runs', '/api/runs/nope', '/nothing-here']) {
      const response = await app.request(`http://127.0.0.1${url}`);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });

  it('is read-only: any method but GET and HEAD is refused', async () => {
    const app = createViewerApp({ reader, assets });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await app.request('http://127.0.0.1/api/runs/base', { method });
      expect(response.status).toBe(405);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'E_VIEW_READ_ONLY',
      );
    }
    expect((await app.request('http://127.0.0.1/api/runs', { method: 'HEAD' })).status).toBe(200);
  });

  it('on loopback, answers only to a loopback host name (no DNS rebinding)', async () => {
    const app = createViewerApp({ reader, assets, loopback: true });
    expect((await app.request('http://localhost:15500/api/runs')).status).toBe(200);
    expect((await app.request('http://[::1]:15500/api/runs')).status).toBe(200);
    const rebound = await app.request('http://attacker.example:15500/api/runs');
    expect(rebound.status).toBe(403);
    expect(await rebound.text()).not.toContain('base');
  });

  it('off loopback, wants the token on every request: header, link or cookie', async () => {
    const token = 'tok-123456';
    const app = createViewerApp({ reader, assets, loopback: false, token });
    const denied = await app.request('http://10.0.0.5:15500/api/runs');
    expect(denied.status).toBe(401);
    expect((await denied.json()) as object).toMatchObject({ error: { code: 'E_VIEW_TOKEN' } });
    expect(
      (
        await app.request('http://10.0.0.5/api/runs', {
          headers: { authorization: 'Bearer wrong' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await app.request('http://10.0.0.5/api/runs', {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(200);
    const link = await app.request(`http://10.0.0.5/?token=${token}`);
    expect(link.status).toBe(200);
    const cookie = link.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${TOKEN_COOKIE}=${token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const withCookie = await app.request('http://10.0.0.5/api/runs', {
      headers: { cookie: `${TOKEN_COOKIE}=${token}` },
    });
    expect(withCookie.status).toBe(200);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.5', '::', 'example.com'].some(isLoopback)).toBe(false);
  });
});
