import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/** The cookie a browser keeps the token in, once it opened the printed link. */
export const TOKEN_COOKIE = 'dify_autoopt_view';

/** The Content-Security-Policy of every response: no inline script, nothing off the server. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether `host` (an address to listen on) is this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether `given` is `token`, in constant time. */
const sameToken = (given: string | undefined, token: string): boolean =>
  given !== undefined && timingSafeEqual(digest(given), digest(token));

const refuse = (status: 401 | 403 | 405, code: string, message: string): Response =>
  Response.json({ error: { code, message } }, { status, headers: { allow: 'GET, HEAD' } });

/**
 * What every request passes: only GET and HEAD (the viewer never writes); on loopback, only a
 * loopback host (node's server takes the URL's from the Host header: a page elsewhere cannot
 * reach the viewer by rebinding a name to
 * 127.0.0.1); with a token, the token (the `Authorization: Bearer` header, the cookie, or
 * `?token=` once, which sets the cookie). Every response gets the security headers.
 */
export function viewerGuard(options: {
  readonly token?: string | undefined;
  readonly loopback: boolean;
}): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    let refusal: Response | undefined;
    if (method !== 'GET' && method !== 'HEAD')
      refusal = refuse(405, 'E_VIEW_READ_ONLY', 'the viewer is read-only: GET and HEAD only');
    else if (options.loopback && !LOOPBACK_NAMES.has(new URL(c.req.url).hostname))
      refusal = refuse(403, 'E_VIEW_HOST', 'this viewer answers only to 127.0.0.1 and localhost');
    else if (options.token !== undefined) {
      const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
      const query = c.req.query('token');
      if (sameToken(query, options.token))
        setCookie(c, TOKEN_COOKIE, options.token, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
        });
      else if (
        !sameToken(bearer, options.token) &&
        !sameToken(getCookie(c, TOKEN_COOKIE), options.token)
      )
        refusal = refuse(401, 'E_VIEW_TOKEN', 'open the link `view` printed: it holds the token');
    }
    if (refusal === undefined) await next();
    const response = refusal ?? c.res;
    response.headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    response.headers.set('x-content-type-options', 'nosniff');
    response.headers.set('referrer-policy', 'no-referrer');
    response.headers.set('x-frame-options', 'DENY');
    response.headers.set('cross-origin-resource-policy', 'same-origin');
    if (refusal !== undefined) c.res = refusal;
  };
}
