import { base64Decode, base64Encode } from '../lib/crypto';

/**
 * Appwrite's session cookie: `a_session_<project>` holding base64 of `{"id":userId,"secret":secret}`
 * (Utopia\Auth\Store), with a `_legacy` twin for browsers that mishandle SameSite=None.
 */
export interface SessionCredential {
  id: string;
  secret: string;
}

export const sessionCookieName = (projectId: string) => `a_session_${projectId}`;

export function encodeSessionValue(cred: SessionCredential): string {
  return base64Encode(JSON.stringify({ id: cred.id, secret: cred.secret }));
}

export function decodeSessionValue(value: string | undefined | null): SessionCredential | null {
  if (!value) return null;
  let raw = value.trim();
  if (raw.includes('%')) {
    try {
      raw = decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  const json = base64Decode(raw);
  if (!json) return null;
  try {
    const parsed = JSON.parse(json) as { id?: unknown; secret?: unknown };
    if (typeof parsed.id !== 'string' || typeof parsed.secret !== 'string' || !parsed.id || !parsed.secret) return null;
    return { id: parsed.id, secret: parsed.secret };
  } catch {
    return null;
  }
}

export function parseCookies(header: string | null | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  if (!header) return jar;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!jar.has(name)) jar.set(name, value);
  }
  return jar;
}

/**
 * Where Appwrite looks for a session, in its order: the cookie, the `_legacy` cookie, the
 * `X-Appwrite-Session` header (server-side rendering), then `X-Fallback-Cookies` (JSON written by
 * the web SDK when third-party cookies are blocked). The first source present is the one used.
 */
export function sessionCredential(headers: Headers, projectId: string): SessionCredential | null {
  const name = sessionCookieName(projectId);
  const cookies = parseCookies(headers.get('Cookie'));
  const cookie = cookies.get(name) || cookies.get(`${name}_legacy`);
  if (cookie) return decodeSessionValue(cookie);
  const header = headers.get('X-Appwrite-Session');
  if (header) return decodeSessionValue(header);
  const fallback = headers.get('X-Fallback-Cookies');
  if (fallback) {
    try {
      const parsed = JSON.parse(fallback) as Record<string, unknown>;
      const value = parsed && typeof parsed === 'object' ? parsed[name] : undefined;
      return typeof value === 'string' ? decodeSessionValue(value) : null;
    } catch {
      return null;
    }
  }
  return null;
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':') || host.startsWith('[');
}

const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ne', 'or', 'go']);

/**
 * The registrable domain ("example.co.uk" for "api.example.co.uk"); '' for IPs and single
 * labels such as localhost. An approximation of the public-suffix rule for the common cases.
 */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h || isIp(h) || !h.includes('.')) return '';
  const labels = h.split('.');
  const tld = labels[labels.length - 1];
  const sld = labels[labels.length - 2];
  const take = tld.length === 2 && SECOND_LEVEL.has(sld) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

/**
 * Appwrite's `domainVerification`: is the caller's page (Origin, else Referer) on the API's own
 * registrable domain? When not, browsers may drop the cookie, so the session also travels in
 * `X-Fallback-Cookies`.
 */
export function sameSite(requestUrl: string, headers: Headers): boolean {
  const source = headers.get('Origin') || headers.get('Referer') || '';
  let originHost = '';
  try {
    originHost = source ? new URL(source).hostname : '';
  } catch {
    originHost = '';
  }
  const self = registrableDomain(new URL(requestUrl).hostname);
  return self !== '' && self === registrableDomain(originHost);
}

export interface CookieOptions {
  secure: boolean;
  /** Unix ms; a past value deletes the cookie. */
  expires: number;
}

function cookieLine(name: string, value: string, opts: CookieOptions, sameSitePolicy: string | null): string {
  const parts = [`${name}=${value}`, `Expires=${new Date(opts.expires).toUTCString()}`, 'Path=/'];
  if (opts.secure) parts.push('Secure');
  parts.push('HttpOnly');
  if (sameSitePolicy) parts.push(`SameSite=${sameSitePolicy}`);
  return parts.join('; ');
}

/** The two Set-Cookie lines for a session (or, with value '' and a past expiry, its removal). */
export function sessionCookies(projectId: string, value: string, opts: CookieOptions): string[] {
  const name = sessionCookieName(projectId);
  return [
    cookieLine(`${name}_legacy`, value, opts, null),
    // SameSite=None is only honoured with Secure; over plain http, Lax keeps same-site use working.
    cookieLine(name, value, opts, opts.secure ? 'None' : 'Lax'),
  ];
}
