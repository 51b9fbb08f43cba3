import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../../test/helpers';
import { PROJECT, APP, fake, browser, account, startPath, start, callback, useFakeProviders } from './testing/oauth2-client';

// OAuth2 state and redirect targets (the attack cases — login CSRF, state misuse, open redirects — are in
// test/security/oauth2-attacks.test.ts).

useFakeProviders();

describe('OAuth2 state', () => {
  it('lets a server start a token sign-in for a browser (Appwrite\'s SSR pattern), as the node SDK does', async () => {
    const started = await call(startPath('github', { mode: 'tokens' }), { key: rootKey(), redirect: 'manual', headers: { 'X-SDK-Platform': 'server' } });
    expect(started.status).toBe(301);
    expect(started.headers.getSetCookie()).toEqual([]);
    const b = browser();
    const res = await callback(b, fake.consent(started.headers.get('Location') ?? '', account()));
    expect(new URL(res.headers.get('Location') ?? '').searchParams.get('secret')).toBeTruthy();
  });

});

describe('OAuth2 redirect targets', () => {
  it('defaults success to the allowed page that sent the browser, and failure to success', async () => {
    const b = browser();
    const q = new URLSearchParams({ project: PROJECT });
    const started = await b.get(`/v1/account/sessions/oauth2/github?${q}`, { headers: { Referer: `${APP}/login?x=1` } });
    expect(started.status).toBe(301);
    const denied = await callback(b, fake.consent(started.headers.get('Location') ?? '', account(), { deny: true }));
    const landed = new URL(denied.headers.get('Location') ?? '');
    expect(landed.origin + landed.pathname).toBe(`${APP}/`);
    expect(JSON.parse(landed.searchParams.get('error') ?? '{}').type).toBe('user_oauth2_provider_error');

    const fromElsewhere = await browser().get(`/v1/account/sessions/oauth2/github?${q}`, { headers: { Referer: 'https://evil.test/' } });
    expect(fromElsewhere.status).toBe(400);
  });

  it('accepts the native apps\' appwrite-callback scheme', async () => {
    const b = browser();
    const res = await b.get(startPath('github', { mode: 'tokens', success: `appwrite-callback-${PROJECT}://`, failure: `appwrite-callback-${PROJECT}://` }));
    expect(res.status).toBe(301);
  });

  it('names disabled, unsupported and unknown providers as Appwrite does', async () => {
    const cases: [string, number, string][] = [
      ['discord', 412, 'project_provider_disabled'],
      ['amazon', 400, 'project_provider_unsupported'],
      ['no-such-provider', 400, 'general_argument_invalid'],
    ];
    for (const [provider, status, type] of cases) {
      const res = await browser().get(startPath(provider));
      expect(await errorOf(res)).toMatchObject({ status, type });
    }
  });
});
