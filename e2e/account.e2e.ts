import { AppwriteException, ID } from 'appwrite';
import { Account as ServerAccount } from 'node-appwrite';
import { afterEach, describe, expect, it } from 'vitest';
import { CookieJar } from './support/cookie-jar';
import { ledge, refusal, serverClient } from './support/ledge';
import { codeIn, latestMail, linkIn, readOutbox } from './support/outbox';
import { uniqueEmail, webUser } from './support/web-client';

const { endpoint, projectId } = ledge;

describe('Account through the web SDK', () => {
  it('sign up → sign in → get → prefs → JWT (used from node-appwrite) → sessions → sign out', async () => {
    const user = webUser(ledge);
    const email = uniqueEmail('main');
    const created = await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'correct-horse-1', name: 'Main' }));
    expect(created).toMatchObject({ email, name: 'Main', status: true, emailVerification: false });

    const session = await user.as(() => user.account.createEmailPasswordSession({ email, password: 'correct-horse-1' }));
    expect(session).toMatchObject({ userId: created.$id, provider: 'email', current: true, secret: '' });
    expect(user.jar?.get(`a_session_${projectId}`)).toBeTruthy();

    const me = await user.as(() => user.account.get());
    expect(me.$id).toBe(created.$id);

    const prefs = await user.as(() => user.account.updatePrefs({ prefs: { theme: 'dark' } }));
    expect(prefs.prefs).toEqual({ theme: 'dark' });
    expect(await user.as(() => user.account.getPrefs())).toEqual({ theme: 'dark' });

    const { jwt } = await user.as(() => user.account.createJWT());
    const viaJwt = await new ServerAccount(serverClient({ jwt })).get();
    expect(viaJwt.$id).toBe(created.$id);

    const sessions = await user.as(() => user.account.listSessions());
    expect(sessions.total).toBe(1);
    expect(sessions.sessions[0]).toMatchObject({ $id: session.$id, current: true });

    await user.as(() => user.account.deleteSession({ sessionId: 'current' }));
    expect(user.jar?.get(`a_session_${projectId}`)).toBeUndefined();
    const after = await refusal(user.as(() => user.account.get()));
    expect(after.code).toBe(401);
    // A signed-out caller on /account: 401 user_unauthorized (see middleware/principal.ts).
    expect(after.type).toBe('user_unauthorized');

    const deadJwt = await refusal(new ServerAccount(serverClient({ jwt })).get());
    expect(deadJwt).toMatchObject({ code: 401, type: 'user_jwt_invalid' });
  });

  describe('fallback cookies (third-party cookies blocked)', () => {
    const g = globalThis as { window?: unknown };
    afterEach(() => {
      delete g.window;
    });

    it('keeps the session in localStorage and sends it as X-Fallback-Cookies', async () => {
      const store = new Map<string, string>();
      const warnings: string[] = [];
      g.window = {
        localStorage: {
          getItem: (k: string) => store.get(k) ?? null,
          setItem: (k: string, v: string) => void store.set(k, String(v)),
          removeItem: (k: string) => void store.delete(k),
        },
        console: { ...console, warn: (msg: string) => warnings.push(msg) },
      };
      // A page on http://app.test talking to the API on 127.0.0.1, with no cookie jar at all.
      const user = webUser({ ...ledge, jar: new CookieJar('http://app.test', false) });
      const email = uniqueEmail('fallback');
      await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'correct-horse-2' }));
      await user.as(() => user.account.createEmailPasswordSession({ email, password: 'correct-horse-2' }));
      expect(JSON.parse(store.get('cookieFallback') ?? '{}')).toHaveProperty(`a_session_${projectId}`);
      expect(warnings.some((w) => w.includes('localStorage'))).toBe(true);
      expect((await user.as(() => user.account.get())).email).toBe(email);

      await user.as(() => user.account.deleteSession({ sessionId: 'current' }));
      expect(store.get('cookieFallback')).toBe('[]');
      expect((await refusal(user.as(() => user.account.get()))).code).toBe(401);
    });
  });

  it('anonymous session, then upgraded to email and password', async () => {
    const user = webUser(ledge);
    const anon = await user.as(() => user.account.createAnonymousSession());
    expect(anon).toMatchObject({ provider: 'anonymous', current: true });
    const email = uniqueEmail('anon');
    const upgraded = await user.as(() => user.account.updateEmail({ email, password: 'upgrade-pass-1' }));
    expect(upgraded).toMatchObject({ $id: anon.userId, email });
    const other = webUser(ledge);
    const signIn = await other.as(() => other.account.createEmailPasswordSession({ email, password: 'upgrade-pass-1' }));
    expect(signIn.userId).toBe(anon.userId);
  });

  it('email OTP, with a security phrase', async () => {
    const user = webUser(ledge);
    const email = uniqueEmail('otp');
    const token = await user.as(() => user.account.createEmailToken({ userId: ID.unique(), email, phrase: true }));
    expect(token.secret).toBe('');
    const mail = await latestMail(ledge, email, 'otp');
    expect(mail.text).toContain(token.phrase);
    const session = await user.as(() => user.account.createSession({ userId: token.userId, secret: codeIn(mail) }));
    expect(session).toMatchObject({ userId: token.userId, factors: ['email'] });
    expect(await user.as(() => user.account.get())).toMatchObject({ email, emailVerification: true });

    const reuse = await refusal(webUser(ledge).account.createSession({ userId: token.userId, secret: codeIn(mail) }));
    expect(reuse).toMatchObject({ code: 401, type: 'user_invalid_token' });
  });

  it('magic URL', async () => {
    const user = webUser(ledge);
    const email = uniqueEmail('magic');
    await user.as(() => user.account.createMagicURLToken({ userId: ID.unique(), email, url: 'http://app.test/magic' }));
    const link = linkIn(await latestMail(ledge, email, 'magic-url'), 'http://app.test/magic');
    expect(link.searchParams.get('project')).toBe(projectId);
    const session = await user.as(() =>
      user.account.updateMagicURLSession({ userId: link.searchParams.get('userId') ?? '', secret: link.searchParams.get('secret') ?? '' }),
    );
    expect(session.provider).toBe('magic-url');
    expect((await user.as(() => user.account.get())).email).toBe(email);
  });

  it('password recovery: reset once, then the token is spent; a forged one is refused', async () => {
    const user = webUser(ledge);
    const email = uniqueEmail('recovery');
    await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'before-reset-1' }));
    await user.as(() => user.account.createRecovery({ email, url: 'http://app.test/reset' }));
    const link = linkIn(await latestMail(ledge, email, 'recovery'), 'http://app.test/reset');
    const userId = link.searchParams.get('userId') ?? '';
    const secret = link.searchParams.get('secret') ?? '';

    const weak = await refusal(user.as(() => user.account.updateRecovery({ userId, secret, password: 'short' })));
    expect(weak).toMatchObject({ code: 400, type: 'general_argument_invalid' });
    await user.as(() => user.account.updateRecovery({ userId, secret, password: 'after-reset-1' }));
    const spent = await refusal(user.as(() => user.account.updateRecovery({ userId, secret, password: 'after-reset-2' })));
    expect(spent).toMatchObject({ code: 401, type: 'user_invalid_token' });
    const signIn = await user.as(() => user.account.createEmailPasswordSession({ email, password: 'after-reset-1' }));
    expect(signIn.userId).toBe(userId);

    // Expiry itself is covered inside workerd (workers/account/*.test.ts), where the clock of a stored
    // token can be moved; from outside, a secret of the right shape that was never issued.
    const forged = await refusal(user.as(() => user.account.updateRecovery({ userId, secret: 'f'.repeat(128), password: 'after-reset-3' })));
    expect(forged).toMatchObject({ code: 401, type: 'user_invalid_token' });
  });

  it('email verification', async () => {
    const user = webUser(ledge);
    const email = uniqueEmail('verify');
    await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'verify-pass-1' }));
    await user.as(() => user.account.createEmailPasswordSession({ email, password: 'verify-pass-1' }));
    await user.as(() => user.account.createEmailVerification({ url: 'http://app.test/verify' }));
    const link = linkIn(await latestMail(ledge, email, 'verification'), 'http://app.test/verify');
    await webUser(ledge).account.updateEmailVerification({ userId: link.searchParams.get('userId') ?? '', secret: link.searchParams.get('secret') ?? '' });
    expect((await user.as(() => user.account.get())).emailVerification).toBe(true);
  });

  describe('refusals: never a 500, never a change', () => {
    it('wrong password and unknown email look the same', async () => {
      const user = webUser(ledge);
      const email = uniqueEmail('creds');
      await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'right-pass-1' }));
      const wrong = await refusal(user.as(() => user.account.createEmailPasswordSession({ email, password: 'wrong-pass-1' })));
      const unknown = await refusal(user.as(() => user.account.createEmailPasswordSession({ email: uniqueEmail('nobody'), password: 'wrong-pass-1' })));
      expect(wrong).toMatchObject({ code: 401, type: 'user_invalid_credentials' });
      expect(unknown).toMatchObject({ code: 401, type: 'user_invalid_credentials' });
      expect(wrong.message).toBe(unknown.message);
      expect((await user.as(() => user.account.listSessions().catch((e: AppwriteException) => e.code)))).toBe(401);
    });

    it('duplicate user and weak password change nothing', async () => {
      const user = webUser(ledge);
      const email = uniqueEmail('dup');
      await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'first-pass-1' }));
      const dup = await refusal(user.as(() => user.account.create({ userId: ID.unique(), email, password: 'second-pass-1' })));
      expect(dup).toMatchObject({ code: 409, type: 'user_already_exists' });
      const weakEmail = uniqueEmail('weak');
      const weak = await refusal(user.as(() => user.account.create({ userId: ID.unique(), email: weakEmail, password: 'abc' })));
      expect(weak).toMatchObject({ code: 400, type: 'general_argument_invalid' });

      const probe = webUser(ledge);
      expect(await refusal(probe.as(() => probe.account.createEmailPasswordSession({ email, password: 'second-pass-1' })))).toMatchObject({ type: 'user_invalid_credentials' });
      expect(await refusal(probe.as(() => probe.account.createEmailPasswordSession({ email: weakEmail, password: 'abc-abc-abc' })))).toMatchObject({ type: 'user_invalid_credentials' });
      expect((await probe.as(() => probe.account.createEmailPasswordSession({ email, password: 'first-pass-1' }))).provider).toBe('email');
    });

    it('a bad JWT is user_jwt_invalid', async () => {
      const err = await refusal(new ServerAccount(serverClient({ jwt: 'not.a.jwt' })).get());
      expect(err).toMatchObject({ code: 401, type: 'user_jwt_invalid' });
    });

    it('the outbox needs the root key', async () => {
      const res = await fetch(`${endpoint}/mail/outbox`, { headers: { 'X-Appwrite-Project': projectId } });
      expect(res.status).toBe(401);
      expect((await readOutbox(ledge, 'nobody@example.com')).length).toBe(0);
    });
  });
});
