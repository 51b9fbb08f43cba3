import type { Core } from './core';
import type { ListOf, Session, Token, User } from './models';

type P = Record<string, unknown>;

/** The signed-in user (`/v1/account`), with the Appwrite SDK's method names. */
export function createAccount<Prefs extends P = P>(core: Core) {
  const c = core.call;
  return {
    get: (): Promise<User<Prefs>> => c('GET', '/account'),
    create: (p: { userId: string; email: string; password: string; name?: string }): Promise<User<Prefs>> => c('POST', '/account', p),
    createEmailPasswordSession: (p: { email: string; password: string }): Promise<Session> => c('POST', '/account/sessions/email', p),
    createAnonymousSession: (): Promise<Session> => c('POST', '/account/sessions/anonymous'),
    /** Token (email OTP, magic URL, …) to session. */
    createSession: (p: { userId: string; secret: string }): Promise<Session> => c('POST', '/account/sessions/token', p),
    createEmailToken: (p: { userId: string; email: string; phrase?: boolean }): Promise<Token> => c('POST', '/account/tokens/email', p),
    createMagicURLToken: (p: { userId: string; email: string; url?: string; phrase?: boolean }): Promise<Token> => c('POST', '/account/tokens/magic-url', p),
    getSession: (p: { sessionId: string }): Promise<Session> => c('GET', '/account/sessions/{sessionId}', p),
    listSessions: (): Promise<ListOf<'sessions', Session>> => c('GET', '/account/sessions'),
    deleteSession: async (p: { sessionId: string }): Promise<void> => {
      await c('DELETE', '/account/sessions/{sessionId}', p);
      if (p.sessionId == 'current') core.setSession(undefined);
    },
    deleteSessions: async (): Promise<void> => {
      await c('DELETE', '/account/sessions');
      core.setSession(undefined);
    },
    createJWT: (p: { duration?: number } = {}): Promise<{ jwt: string }> => c('POST', '/account/jwts', p),
    updateName: (p: { name: string }): Promise<User<Prefs>> => c('PATCH', '/account/name', p),
    updateEmail: (p: { email: string; password: string }): Promise<User<Prefs>> => c('PATCH', '/account/email', p),
    updatePassword: (p: { password: string; oldPassword?: string }): Promise<User<Prefs>> => c('PATCH', '/account/password', p),
    updatePhone: (p: { phone: string; password: string }): Promise<User<Prefs>> => c('PATCH', '/account/phone', p),
    getPrefs: (): Promise<Prefs> => c('GET', '/account/prefs'),
    updatePrefs: (p: { prefs: Prefs }): Promise<User<Prefs>> => c('PATCH', '/account/prefs', p),
    updateStatus: (): Promise<User<Prefs>> => c('PATCH', '/account/status'),
    createVerification: (p: { url: string }): Promise<Token> => c('POST', '/account/verifications/email', p),
    updateVerification: (p: { userId: string; secret: string }): Promise<Token> => c('PUT', '/account/verifications/email', p),
    createRecovery: (p: { email: string; url: string }): Promise<Token> => c('POST', '/account/recovery', p),
    updateRecovery: (p: { userId: string; secret: string; password: string }): Promise<Token> => c('PUT', '/account/recovery', p),
    listIdentities: (p: { queries?: string[] } = {}): Promise<ListOf<'identities', P>> => c('GET', '/account/identities', p),
    listLogs: (p: { queries?: string[] } = {}): Promise<ListOf<'logs', P>> => c('GET', '/account/logs', p),
    /** The URL to send the browser to for an OAuth2 sign-in (`success`/`failure` come back with the session). */
    createOAuth2Session: (p: { provider: string; success?: string; failure?: string; scopes?: string[] }): string =>
      core.url('/account/sessions/oauth2/{provider}', p),
  };
}
