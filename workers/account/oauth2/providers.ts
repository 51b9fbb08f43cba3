import { Apple, CodeChallengeMethod, Discord, GitHub, GitLab, Google, MicrosoftEntraId, OAuth2Client, type OAuth2Tokens } from 'arctic';
import { ApiError } from '../../lib/errors';
import { claimTrue, discover, getJson, ProviderResponseError, verifyIdToken, type OidcEndpoints } from './oidc';

/**
 * The OAuth2 providers Ledge signs in with, built on arctic (authorization URLs, PKCE, code
 * exchange). Credentials come from configuration: `OAUTH2_<PROVIDER>_CLIENT_ID` ([vars]) and
 * `OAUTH2_<PROVIDER>_CLIENT_SECRET` (a secret), plus the few extra settings named below. A
 * provider without them is disabled.
 */

/** What Ledge needs from a provider's account: a stable id, and the email with whether the provider verified it. */
export interface ProviderProfile {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

export interface AuthorizationRequest {
  state: string;
  codeVerifier: string;
  nonce: string;
  /** The caller's extra scopes, added to the provider's defaults. */
  scopes: string[];
}

export interface ProfileContext {
  nonce: string;
  /** Apple posts the name once, on first consent, as JSON in a `user` form field. */
  user?: string;
}

export interface OAuth2Provider {
  name: string;
  title: string;
  authorizationUrl(req: AuthorizationRequest): Promise<URL>;
  exchange(code: string, codeVerifier: string): Promise<OAuth2Tokens>;
  profile(tokens: OAuth2Tokens, ctx: ProfileContext): Promise<ProviderProfile>;
}

type Setting = (name: string) => string;

interface ProviderDefinition {
  title: string;
  /** Settings that must all be non-empty for the provider to be enabled. */
  required: string[];
  build(setting: Setting, redirectUri: string): Omit<OAuth2Provider, 'name' | 'title'>;
}

/** Every provider name Appwrite accepts; the ones Ledge does not implement are `project_provider_unsupported`. */
export const APPWRITE_PROVIDERS = [
  'amazon', 'apple', 'appwrite', 'auth0', 'authentik', 'autodesk', 'bitbucket', 'bitly', 'box', 'dailymotion',
  'discord', 'disqus', 'dropbox', 'etsy', 'facebook', 'figma', 'fusionauth', 'github', 'gitlab', 'google',
  'huggingface', 'keycloak', 'kick', 'linkedin', 'microsoft', 'notion', 'oidc', 'okta', 'paypal', 'paypalSandbox',
  'podio', 'salesforce', 'slack', 'spotify', 'stripe', 'tradeshift', 'tradeshiftBox', 'twitch', 'wordpress', 'x',
  'yahoo', 'yammer', 'yandex', 'zoho', 'zoom',
];

const merge = (defaults: string[], extra: string[]) => [...new Set([...defaults, ...extra])];

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** A PEM (or bare base64) PKCS#8 key, as Apple's `.p8` download, to bytes. */
export function pemToPkcs8(pem: string): Uint8Array {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\\n/g, '').replace(/\s+/g, '');
  const binary = atob(b64);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

const DEFINITIONS: Record<string, ProviderDefinition> = {
  github: {
    title: 'GitHub',
    required: ['OAUTH2_GITHUB_CLIENT_ID', 'OAUTH2_GITHUB_CLIENT_SECRET'],
    // arctic's GitHub client has no PKCE; the one-time, browser-bound state covers the callback.
    build(setting, redirectUri) {
      const client = new GitHub(setting('OAUTH2_GITHUB_CLIENT_ID'), setting('OAUTH2_GITHUB_CLIENT_SECRET'), redirectUri);
      return {
        authorizationUrl: async (req) => client.createAuthorizationURL(req.state, merge(['user:email'], req.scopes)),
        exchange: (code) => client.validateAuthorizationCode(code),
        async profile(tokens) {
          const headers = { Authorization: `Bearer ${tokens.accessToken()}`, Accept: 'application/vnd.github+json' };
          const user = await getJson<Record<string, unknown>>('https://api.github.com/user', headers);
          // The public profile email is unverified; only /user/emails says which addresses GitHub verified.
          const emails = await getJson<{ email?: string; primary?: boolean; verified?: boolean }[]>('https://api.github.com/user/emails', headers).catch(() => []);
          const listed = (Array.isArray(emails) ? emails : []).filter((e) => typeof e.email === 'string');
          const verified = listed.filter((e) => e.verified === true);
          const chosen = verified.find((e) => e.primary) ?? verified[0];
          return {
            id: str(user.id),
            email: chosen?.email ?? listed.find((e) => e.primary)?.email ?? str(user.email),
            emailVerified: chosen !== undefined,
            name: str(user.name) || str(user.login),
          };
        },
      };
    },
  },

  gitlab: {
    title: 'GitLab',
    required: ['OAUTH2_GITLAB_CLIENT_ID', 'OAUTH2_GITLAB_CLIENT_SECRET'],
    build(setting, redirectUri) {
      const base = (setting('OAUTH2_GITLAB_URL') || 'https://gitlab.com').replace(/\/+$/, '');
      const client = new GitLab(base, setting('OAUTH2_GITLAB_CLIENT_ID'), setting('OAUTH2_GITLAB_CLIENT_SECRET'), redirectUri);
      return {
        authorizationUrl: async (req) => client.createAuthorizationURL(req.state, merge(['read_user'], req.scopes)),
        exchange: (code) => client.validateAuthorizationCode(code),
        async profile(tokens) {
          const user = await getJson<Record<string, unknown>>(`${base}/api/v4/user`, { Authorization: `Bearer ${tokens.accessToken()}` });
          return { id: str(user.id), email: str(user.email), emailVerified: !!user.confirmed_at, name: str(user.name) || str(user.username) };
        },
      };
    },
  },

  discord: {
    title: 'Discord',
    required: ['OAUTH2_DISCORD_CLIENT_ID', 'OAUTH2_DISCORD_CLIENT_SECRET'],
    build(setting, redirectUri) {
      const client = new Discord(setting('OAUTH2_DISCORD_CLIENT_ID'), setting('OAUTH2_DISCORD_CLIENT_SECRET'), redirectUri);
      return {
        authorizationUrl: async (req) => client.createAuthorizationURL(req.state, req.codeVerifier, merge(['identify', 'email'], req.scopes)),
        exchange: (code, verifier) => client.validateAuthorizationCode(code, verifier),
        async profile(tokens) {
          const user = await getJson<Record<string, unknown>>('https://discord.com/api/users/@me', { Authorization: `Bearer ${tokens.accessToken()}` });
          return { id: str(user.id), email: str(user.email), emailVerified: user.verified === true, name: str(user.global_name) || str(user.username) };
        },
      };
    },
  },

  microsoft: {
    title: 'Microsoft',
    required: ['OAUTH2_MICROSOFT_CLIENT_ID', 'OAUTH2_MICROSOFT_CLIENT_SECRET'],
    build(setting, redirectUri) {
      const tenant = setting('OAUTH2_MICROSOFT_TENANT') || 'common';
      const client = new MicrosoftEntraId(tenant, setting('OAUTH2_MICROSOFT_CLIENT_ID'), setting('OAUTH2_MICROSOFT_CLIENT_SECRET'), redirectUri);
      return {
        authorizationUrl: async (req) => client.createAuthorizationURL(req.state, req.codeVerifier, merge(['offline_access', 'user.read'], req.scopes)),
        exchange: (code, verifier) => client.validateAuthorizationCode(code, verifier),
        async profile(tokens) {
          const me = await getJson<Record<string, unknown>>('https://graph.microsoft.com/v1.0/me', { Authorization: `Bearer ${tokens.accessToken()}` });
          // Entra ID lets tenant admins set any `mail` without proof (the nOAuth class): never treat it as verified.
          return { id: str(me.id), email: str(me.mail) || str(me.userPrincipalName), emailVerified: false, name: str(me.displayName) };
        },
      };
    },
  },

  google: {
    title: 'Google',
    required: ['OAUTH2_GOOGLE_CLIENT_ID', 'OAUTH2_GOOGLE_CLIENT_SECRET'],
    build(setting, redirectUri) {
      const clientId = setting('OAUTH2_GOOGLE_CLIENT_ID');
      const client = new Google(clientId, setting('OAUTH2_GOOGLE_CLIENT_SECRET'), redirectUri);
      return {
        async authorizationUrl(req) {
          const url = client.createAuthorizationURL(req.state, req.codeVerifier, merge(['openid', 'email', 'profile'], req.scopes));
          url.searchParams.set('nonce', req.nonce);
          return url;
        },
        exchange: (code, verifier) => client.validateAuthorizationCode(code, verifier),
        async profile(tokens, ctx) {
          const claims = await verifyIdToken(idTokenOf(tokens), {
            jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
            issuer: ['https://accounts.google.com', 'accounts.google.com'],
            audience: clientId,
            nonce: ctx.nonce,
          });
          return { id: str(claims.sub), email: str(claims.email), emailVerified: claimTrue(claims.email_verified), name: str(claims.name) };
        },
      };
    },
  },

  apple: {
    title: 'Apple',
    required: ['OAUTH2_APPLE_CLIENT_ID', 'OAUTH2_APPLE_TEAM_ID', 'OAUTH2_APPLE_KEY_ID', 'OAUTH2_APPLE_PRIVATE_KEY'],
    build(setting, redirectUri) {
      const clientId = setting('OAUTH2_APPLE_CLIENT_ID');
      const client = new Apple(clientId, setting('OAUTH2_APPLE_TEAM_ID'), setting('OAUTH2_APPLE_KEY_ID'), pemToPkcs8(setting('OAUTH2_APPLE_PRIVATE_KEY')), redirectUri);
      return {
        async authorizationUrl(req) {
          const url = client.createAuthorizationURL(req.state, merge(['name', 'email'], req.scopes));
          // Apple requires form_post when name or email is asked for; the POST callback relays it.
          url.searchParams.set('response_mode', 'form_post');
          url.searchParams.set('nonce', req.nonce);
          return url;
        },
        exchange: (code) => client.validateAuthorizationCode(code),
        async profile(tokens, ctx) {
          const claims = await verifyIdToken(idTokenOf(tokens), {
            jwksUri: 'https://appleid.apple.com/auth/keys',
            issuer: 'https://appleid.apple.com',
            audience: clientId,
            nonce: ctx.nonce,
          });
          return { id: str(claims.sub), email: str(claims.email), emailVerified: claimTrue(claims.email_verified), name: appleName(ctx.user) };
        },
      };
    },
  },

  oidc: {
    title: 'OpenID Connect',
    required: ['OAUTH2_OIDC_CLIENT_ID', 'OAUTH2_OIDC_CLIENT_SECRET', 'OAUTH2_OIDC_ISSUER'],
    build(setting, redirectUri) {
      const clientId = setting('OAUTH2_OIDC_CLIENT_ID');
      const client = new OAuth2Client(clientId, setting('OAUTH2_OIDC_CLIENT_SECRET'), redirectUri);
      const endpoints = () => oidcEndpoints(setting);
      return {
        async authorizationUrl(req) {
          const ep = await endpoints();
          const url = client.createAuthorizationURLWithPKCE(ep.authorization, req.state, CodeChallengeMethod.S256, req.codeVerifier, merge(['openid', 'profile', 'email'], req.scopes));
          url.searchParams.set('nonce', req.nonce);
          return url;
        },
        exchange: async (code, verifier) => client.validateAuthorizationCode((await endpoints()).token, code, verifier),
        async profile(tokens, ctx) {
          const ep = await endpoints();
          const claims = await verifyIdToken(idTokenOf(tokens), { jwksUri: ep.jwks, issuer: ep.issuer, audience: clientId, nonce: ctx.nonce });
          let info: Record<string, unknown> = claims;
          if (!str(claims.email) && ep.userinfo) {
            const fetched = await getJson<Record<string, unknown>>(ep.userinfo, { Authorization: `Bearer ${tokens.accessToken()}` });
            // UserInfo claims count only for the subject the signed ID token names (OIDC Core 5.3.2).
            if (fetched.sub === claims.sub) info = { ...claims, ...fetched };
          }
          const name = str(info.name) || [str(info.given_name), str(info.family_name)].filter(Boolean).join(' ') || str(info.preferred_username);
          return { id: str(claims.sub), email: str(info.email), emailVerified: claimTrue(info.email_verified), name };
        },
      };
    },
  },
};

function idTokenOf(tokens: OAuth2Tokens): string {
  const value = (tokens.data as Record<string, unknown>).id_token;
  if (typeof value !== 'string' || !value) throw new ProviderResponseError('the token response has no ID token');
  return value;
}

function appleName(user: string | undefined): string {
  if (!user) return '';
  try {
    const parsed = JSON.parse(user) as { name?: { firstName?: unknown; lastName?: unknown } };
    return [str(parsed.name?.firstName), str(parsed.name?.lastName)].filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Explicit endpoint settings win; the rest come from the issuer's discovery document. */
async function oidcEndpoints(setting: Setting): Promise<OidcEndpoints> {
  const issuer = setting('OAUTH2_OIDC_ISSUER');
  const explicit = {
    authorization: setting('OAUTH2_OIDC_AUTHORIZATION_URL'),
    token: setting('OAUTH2_OIDC_TOKEN_URL'),
    userinfo: setting('OAUTH2_OIDC_USERINFO_URL'),
    jwks: setting('OAUTH2_OIDC_JWKS_URL'),
  };
  if (explicit.authorization && explicit.token && explicit.jwks) return { issuer, ...explicit };
  const wellKnown = setting('OAUTH2_OIDC_WELL_KNOWN_URL') || `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const found = await discover(wellKnown, issuer);
  return {
    issuer,
    authorization: explicit.authorization || found.authorization,
    token: explicit.token || found.token,
    userinfo: explicit.userinfo || found.userinfo,
    jwks: explicit.jwks || found.jwks,
  };
}

/** The providers built into Ledge. */
export const PROVIDER_NAMES = Object.keys(DEFINITIONS);

/**
 * The provider `name`, configured for this deployment. Unknown to Appwrite →
 * `general_argument_invalid`; known but not built into Ledge → `project_provider_unsupported`;
 * missing credentials → `project_provider_disabled`.
 */
export function resolveProvider(env: Env, name: string, redirectUri: string): OAuth2Provider {
  const definition = Object.hasOwn(DEFINITIONS, name) ? DEFINITIONS[name] : undefined;
  if (!definition) {
    if (APPWRITE_PROVIDERS.includes(name)) throw new ApiError('project_provider_unsupported');
    throw new ApiError('general_argument_invalid', `Invalid \`provider\` param: Value must be one of (${APPWRITE_PROVIDERS.join(', ')})`);
  }
  const setting: Setting = (key) => String((env as unknown as Record<string, unknown>)[key] ?? '').trim();
  if (definition.required.some((key) => !setting(key))) {
    throw new ApiError('project_provider_disabled', 'This provider is disabled. Please configure the provider app ID and app secret key to continue.');
  }
  return { name, title: definition.title, ...definition.build(setting, redirectUri) };
}

/** The provider's display name, for error messages (the name itself when unknown). */
export function providerTitle(name: string): string {
  return Object.hasOwn(DEFINITIONS, name) ? DEFINITIONS[name].title : name;
}
