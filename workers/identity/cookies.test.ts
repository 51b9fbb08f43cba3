import { describe, expect, it } from 'vitest';
import { decodeSessionValue, encodeSessionValue, registrableDomain, sameSite, sessionCookies, sessionCredential } from './cookies';

const value = encodeSessionValue({ id: 'u1', secret: 's3cr3t' });

describe('session cookies', () => {
  it('encodes Appwrite\'s base64 JSON and decodes it back (also URL-encoded)', () => {
    expect(JSON.parse(atob(value))).toEqual({ id: 'u1', secret: 's3cr3t' });
    expect(decodeSessionValue(value)).toEqual({ id: 'u1', secret: 's3cr3t' });
    expect(decodeSessionValue(encodeURIComponent(value))).toEqual({ id: 'u1', secret: 's3cr3t' });
    for (const bad of ['', 'not-base64!', btoa('{"id":1}'), btoa('[]'), btoa('{"id":"u","secret":""}')]) {
      expect(decodeSessionValue(bad), bad).toBeNull();
    }
  });

  it('reads cookie, legacy cookie, X-Appwrite-Session, then X-Fallback-Cookies, in that order', () => {
    const other = encodeSessionValue({ id: 'u2', secret: 'x' });
    const h = (init: Record<string, string>) => new Headers(init);
    expect(sessionCredential(h({ Cookie: `a=b; a_session_p1=${value}; c=d` }), 'p1')?.id).toBe('u1');
    expect(sessionCredential(h({ Cookie: `a_session_p1_legacy=${value}` }), 'p1')?.id).toBe('u1');
    expect(sessionCredential(h({ Cookie: `a_session_p1=${value}`, 'X-Appwrite-Session': other }), 'p1')?.id).toBe('u1');
    expect(sessionCredential(h({ 'X-Appwrite-Session': other }), 'p1')?.id).toBe('u2');
    expect(sessionCredential(h({ 'X-Fallback-Cookies': JSON.stringify({ a_session_p1: value }) }), 'p1')?.id).toBe('u1');
    expect(sessionCredential(h({ 'X-Fallback-Cookies': JSON.stringify({ a_session_other: value }) }), 'p1')).toBeNull();
    expect(sessionCredential(h({ 'X-Fallback-Cookies': '{not json' }), 'p1')).toBeNull();
    expect(sessionCredential(h({ Cookie: `a_session_p2=${value}` }), 'p1')).toBeNull();
  });

  it('sets both cookies: SameSite=None+Secure over https, Lax over http, legacy without SameSite', () => {
    const [legacy, main] = sessionCookies('p1', value, { secure: true, expires: Date.UTC(2030, 0, 1) });
    expect(legacy).toBe(`a_session_p1_legacy=${value}; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/; Secure; HttpOnly`);
    expect(main).toBe(`a_session_p1=${value}; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=None`);
    const [, plain] = sessionCookies('p1', value, { secure: false, expires: 0 });
    expect(plain).toContain('SameSite=Lax');
    expect(plain).not.toContain('Secure');
  });

  it('knows when the page is on another registrable domain', () => {
    expect(registrableDomain('api.example.com')).toBe('example.com');
    expect(registrableDomain('api.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('127.0.0.1')).toBe('');
    expect(registrableDomain('localhost')).toBe('');
    const origin = (o: string) => new Headers({ Origin: o });
    expect(sameSite('https://api.example.com/v1/account', origin('https://app.example.com'))).toBe(true);
    expect(sameSite('https://api.example.com/v1/account', origin('https://example.org'))).toBe(false);
    expect(sameSite('http://127.0.0.1:8787/v1/account', origin('http://app.test'))).toBe(false);
    expect(sameSite('http://localhost:8787/v1/account', origin('http://localhost:3000'))).toBe(false);
  });
});
