import { Account as WebAccount, Client as WebClient, OAuthProvider as WebOAuthProvider } from 'appwrite';
import { Account, Client, OAuthProvider } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper
import { startLedge } from '../scripts/ledge-server.mjs';
import { FakeProviders } from '../workers/account/oauth2/testing/fake-providers';

/**
 * OAuth2 with the official SDKs against a Ledge whose outbound requests go to fake providers
 * (Miniflare's outboundService): the web SDK's createOAuth2Session URL driven by a cookie-keeping
 * "browser", and the server SDK's SSR token flow (createOAuth2Token → userId + secret → createSession).
 */

let ledge: { endpoint: string; projectId: string; rootKey: string; dispose: () => Promise<void> };
let fake: FakeProviders;
const APP = 'http://app.test';

beforeAll(async () => {
  fake = await FakeProviders.create();
  ledge = await startLedge({
    vars: {
      ALLOWED_ORIGINS: APP,
      RATE_LIMITS: 'disabled',
      OAUTH2_GITHUB_CLIENT_ID: 'gh-client',
      OAUTH2_OIDC_CLIENT_ID: 'oidc-client',
      OAUTH2_OIDC_ISSUER: 'https://idp.test',
    },
    secrets: { OAUTH2_GITHUB_CLIENT_SECRET: 'gh-secret', OAUTH2_OIDC_CLIENT_SECRET: 'oidc-secret' },
    outboundService: (request: Request) => fake.fetch(request),
  });
});
afterAll(async () => {
  await ledge?.dispose();
});

const account = (name: string) => ({ id: String(Math.floor(Math.random() * 1e9)), email: `${name}-${Date.now().toString(36)}@example.com`, emailVerified: true, name });

/** A browser: keeps cookies for Ledge's host and stops at any URL that leaves Ledge. */
function browser() {
  const jar = new Map<string, string>();
  const host = new URL(ledge.endpoint).host;
  return {
    jar,
    /** Follows redirects while they stay on Ledge; returns the first URL outside it. */
    async visit(url: string): Promise<string> {
      let next = url;
      for (let hops = 0; hops < 5; hops++) {
        const target = new URL(next);
        if (target.host !== host) return next;
        const res = await fetch(target, { redirect: 'manual', headers: { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        if (res.status !== 301 && res.status !== 302) throw new Error(`${res.status} at ${target.pathname}: ${await res.text()}`);
        next = new URL(res.headers.get('Location') ?? '', target).toString();
      }
      throw new Error('too many redirects');
    },
  };
}

describe('OAuth2 through the official SDKs', () => {
  it('web SDK createOAuth2Session: provider round trip ends on success with a working session cookie', async () => {
    const web = new WebAccount(new WebClient().setEndpoint(ledge.endpoint).setProject(ledge.projectId));
    // Outside a browser window the web SDK hands back the URL it would navigate to.
    const startUrl = (await web.createOAuth2Session({ provider: WebOAuthProvider.Github, success: `${APP}/ok`, failure: `${APP}/fail`, scopes: ['read:user'] })) as unknown as string;
    const b = browser();
    const providerUrl = await b.visit(startUrl);
    expect(new URL(providerUrl).host).toBe('github.com');
    const who = account('web');
    expect(await b.visit(fake.consent(providerUrl, who))).toBe(`${APP}/ok`);

    const cookie = b.jar.get(`a_session_${ledge.projectId}`) ?? '';
    const me = new Account(new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setSession(cookie));
    expect(await me.get()).toMatchObject({ email: who.email, emailVerification: true, name: 'web' });
    const { identities } = await me.listIdentities();
    expect(identities).toHaveLength(1);
    expect(identities[0]).toMatchObject({ provider: 'github', providerUid: who.id, providerEmail: who.email });
  });

  it('node SDK createOAuth2Token (SSR): userId + secret on the success URL become a session', async () => {
    const admin = new Account(new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setKey(ledge.rootKey));
    const providerUrl = await admin.createOAuth2Token({ provider: OAuthProvider.Oidc, success: `${APP}/oauth`, failure: `${APP}/signup` });
    expect(new URL(providerUrl).origin).toBe('https://idp.test');
    const who = account('ssr');
    const landed = new URL(await browser().visit(fake.consent(providerUrl, who)));
    expect(landed.origin + landed.pathname).toBe(`${APP}/oauth`);
    const userId = landed.searchParams.get('userId') ?? '';
    const secret = landed.searchParams.get('secret') ?? '';

    const session = await admin.createSession({ userId, secret });
    expect(session.userId).toBe(userId);
    const me = new Account(new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setSession(session.secret));
    expect(await me.get()).toMatchObject({ $id: userId, email: who.email, name: 'ssr' });
  });

  it('a denied consent lands on the failure URL with Appwrite\'s error JSON', async () => {
    const web = new WebAccount(new WebClient().setEndpoint(ledge.endpoint).setProject(ledge.projectId));
    const startUrl = (await web.createOAuth2Session({ provider: WebOAuthProvider.Oidc, success: `${APP}/ok`, failure: `${APP}/fail` })) as unknown as string;
    const b = browser();
    const landed = new URL(await b.visit(fake.consent(await b.visit(startUrl), account('deny'), { deny: true })));
    expect(landed.origin + landed.pathname).toBe(`${APP}/fail`);
    expect(JSON.parse(landed.searchParams.get('error') ?? '{}')).toMatchObject({ type: 'user_oauth2_provider_error', code: 424 });
  });
});
