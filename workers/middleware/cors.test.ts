import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../test/helpers';
import { isAllowedOrigin, isAllowedRedirect, redirectParam } from './cors';
import type { Config } from '../lib/config';

const config = (allowedOrigins: string[], allowLocalhostOrigins = false) =>
  ({ allowedOrigins, allowLocalhostOrigins, projectId: 'MyApp', nativeOrigins: [] }) as unknown as Config;

describe('isAllowedOrigin', () => {
  it('matches hostnames, wildcard hostnames and whole origins', () => {
    const c = config(['app.example.com', '*.example.org', 'http://app.test:5173']);
    expect(isAllowedOrigin('https://app.example.com', c)).toBe(true);
    expect(isAllowedOrigin('http://app.example.com:8080', c)).toBe(true);
    expect(isAllowedOrigin('https://a.example.org', c)).toBe(true);
    expect(isAllowedOrigin('http://app.test:5173', c)).toBe(true);
    expect(isAllowedOrigin('http://app.test:5174', c)).toBe(false);
    expect(isAllowedOrigin('https://evil-example.com', c)).toBe(false);
    expect(isAllowedOrigin('https://example.org.evil.com', c)).toBe(false);
    expect(isAllowedOrigin('null', c)).toBe(false);
    expect(isAllowedOrigin('file:///etc/passwd', c)).toBe(false);
  });

  it('lets localhost through only when configured', () => {
    expect(isAllowedOrigin('http://localhost:3000', config([], true))).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:5173', config([], true))).toBe(true);
    expect(isAllowedOrigin('http://localhost:3000', config([], false))).toBe(false);
  });
});

describe('isAllowedRedirect: the one redirect rule (mail links and OAuth2)', () => {
  const c = config(['app.example.com', '*.example.org', 'http://app.test:5173'], true);
  // [url, allowed for mail links, allowed for OAuth2 (native callback on)]
  const table: [string, boolean, boolean][] = [
    ['https://app.example.com/reset?x=1', true, true],
    ['http://app.test:5173/verify', true, true],
    ['https://deep.a.example.org/', true, true],
    ['http://localhost:3000/cb', true, true],
    ['appwrite-callback-myapp://', false, true],
    ['appwrite-callback-MyApp://auth', false, true],
    ['appwrite-callback-other://', false, false],
    ['https://evil.test/steal', false, false],
    ['http://app.test:5174/', false, false],
    ['https://app.example.com.evil.test/', false, false],
    ['https://app.example.com@evil.test/', false, false],
    ['https://user:pw@app.example.com/', false, false],
    ['https://user@app.example.com/', false, false],
    ['http://localhost:5173@evil.test/', false, false],
    ['javascript:alert(1)', false, false],
    ['JavaScript://app.example.com/%0aalert(1)', false, false],
    ['data:text/html,<script>alert(1)</script>', false, false],
    ['file:///etc/passwd', false, false],
    ['ftp://app.example.com/', false, false],
    ['//app.example.com/', false, false],
    ['/relative/path', false, false],
    ['not a url', false, false],
    ['', false, false],
  ];
  it.each(table)('%s → mail %s, OAuth2 %s', (url, mail, oauth2) => {
    expect(isAllowedRedirect(url, c)).toBe(mail);
    expect(isAllowedRedirect(url, c, { nativeCallback: true })).toBe(oauth2);
  });

  it('refuses with Appwrite\'s 400 naming the host to register', () => {
    expect(redirectParam('url', 'https://app.example.com/x', c).pathname).toBe('/x');
    expect(() => redirectParam('url', 'https://evil.test/steal', c)).toThrow(expect.objectContaining({
      type: 'general_argument_invalid',
      message: 'Invalid `url` param: Invalid URI. Register your new client (evil.test) as a new Web platform on your project console dashboard',
    }));
    expect(() => redirectParam('success', 'nope', c)).toThrow('Invalid `success` param: Invalid URI.');
  });
});

describe('CORS, header by header', () => {
  // wrangler.toml's defaults: no platforms, localhost allowed.
  const allowed = 'http://localhost:5173';
  const refused = 'https://stranger.example';

  it('answers an allowed preflight with an echoed origin, credentials and the SDK headers', async () => {
    const res = await call('/v1/account', {
      method: 'OPTIONS',
      project: null,
      headers: { Origin: allowed, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-appwrite-project, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(allowed);
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    const allowHeaders = res.headers.get('Access-Control-Allow-Headers')!.toLowerCase();
    for (const h of ['x-appwrite-project', 'x-appwrite-key', 'x-appwrite-jwt', 'x-appwrite-session', 'x-appwrite-response-format', 'x-sdk-name', 'x-sdk-version', 'content-range', 'x-fallback-cookies', 'x-appwrite-id', 'x-ledge-bookmark']) {
      expect(allowHeaders).toContain(h);
    }
    expect(res.headers.get('Access-Control-Allow-Methods')).toContain('PATCH');
    const exposed = res.headers.get('Access-Control-Expose-Headers')!.toLowerCase();
    expect(exposed).toContain('x-fallback-cookies');
    expect(exposed).toContain('x-appwrite-session');
    expect(exposed).toContain('x-ledge-bookmark');
    expect(res.headers.get('Vary')).toContain('Origin');
  });

  it('grants an allowed origin on real responses, errors included', async () => {
    const ok = await call('/v1/ping', { headers: { Origin: allowed } });
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe(allowed);
    expect(ok.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(ok.headers.get('Access-Control-Expose-Headers')?.toLowerCase()).toContain('x-fallback-cookies');

    const err = await call('/v1/health', { headers: { Origin: allowed } });
    expect(err.status).toBe(401);
    expect(err.headers.get('Access-Control-Allow-Origin')).toBe(allowed);
    expect(err.headers.get('Access-Control-Allow-Credentials')).toBe('true');
  });

  it('never answers with a wildcard origin', async () => {
    const res = await call('/v1/ping', { headers: { Origin: allowed } });
    expect(res.headers.get('Access-Control-Allow-Origin')).not.toBe('*');
  });

  it('gives a refused origin no grant, on preflight or request, and refuses its requests', async () => {
    const pre = await call('/v1/account', { method: 'OPTIONS', project: null, headers: { Origin: refused, 'Access-Control-Request-Method': 'GET' } });
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(pre.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    expect(pre.headers.get('Access-Control-Allow-Headers')).toBeNull();

    const res = await call('/v1/health', { headers: { Origin: refused } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    expect(await errorOf(res)).toMatchObject({ status: 403, type: 'general_unknown_origin' });
  });

  it('lets an API key through from any origin (server SDKs), still without a grant', async () => {
    const res = await call('/v1/health', { key: rootKey(), headers: { Origin: refused } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
