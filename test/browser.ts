import { env } from 'cloudflare:workers';
import { call, type CallInit } from './helpers';

// A random start keeps test files apart should they ever share rate-limit state.
let ipCounter = Math.floor(Math.random() * 2 ** 20);

/** A client address nobody else used, so per-IP rate limits of one test never reach another. */
export function freshIp(): string {
  const n = ipCounter++;
  return `10.${(n >> 14) & 255}.${(n >> 6) & 255}.${(n & 63) + 1}`;
}

export const sessionCookieName = () => `a_session_${env.PROJECT_ID}`;

/**
 * A browser-ish client of the Worker under test: its own IP, and the session cookie it was given
 * or last received (a logout's emptied cookie clears it), sent with every request.
 */
export function browser(opts: { ip?: string; cookie?: string } = {}) {
  const ip = opts.ip ?? freshIp();
  let cookie = opts.cookie ?? '';
  return {
    ip,
    get cookie() {
      return cookie;
    },
    async req(path: string, init: CallInit = {}) {
      const headers = new Headers(init.headers);
      headers.set('CF-Connecting-IP', ip);
      if (cookie) headers.set('Cookie', cookie);
      const res = await call(path, { ...init, headers });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair.indexOf('=');
        if (pair.slice(0, at) !== sessionCookieName()) continue;
        const value = pair.slice(at + 1);
        cookie = value ? `${sessionCookieName()}=${value}` : '';
      }
      return res;
    },
  };
}

export type Browser = ReturnType<typeof browser>;
