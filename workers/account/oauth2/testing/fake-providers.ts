import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * Fake OAuth2 providers for tests, answering the Worker's outbound fetches in place of the
 * network: a GitHub-style provider (token endpoint + `/user` + `/user/emails`) and an OpenID
 * Connect provider at https://idp.test (discovery, token endpoint issuing ID tokens signed with
 * a key made here, JWKS, userinfo). They check what real providers check: client credentials,
 * the redirect URI, one-time codes and the PKCE verifier.
 */

export interface FakeAccount {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

interface IssuedCode {
  provider: 'github' | 'oidc';
  account: FakeAccount;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
}

/** Ways the OIDC provider can get its ID token wrong, for the refusal tests. */
export interface IdTokenTamper {
  signWithOtherKey?: boolean;
  audience?: string;
  expiredSecondsAgo?: number;
  nonce?: string;
  issuer?: string;
}

export const OIDC_ISSUER = 'https://idp.test';
const GITHUB = { clientId: 'gh-client', clientSecret: 'gh-secret' };
const OIDC = { clientId: 'oidc-client', clientSecret: 'oidc-secret' };

// Read as bytes: workerd warns on every text() of a form-encoded body.
const formOf = async (request: Request) => new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function basicAuth(header: string | null): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const [id, secret] = atob(header.slice(6)).split(':');
  return { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
}

/** A Request of this runtime's class (Miniflare's outboundService hands over its own Request class). */
async function asRequest(input: RequestInfo | URL, init?: RequestInit): Promise<Request> {
  if (input instanceof Request || typeof input === 'string' || input instanceof URL) return new Request(input, init);
  const foreign = input as Request;
  const body = foreign.method === 'GET' || foreign.method === 'HEAD' ? undefined : await foreign.arrayBuffer();
  return new Request(foreign.url, { method: foreign.method, headers: Object.fromEntries(foreign.headers), body });
}

export class FakeProviders {
  private codes = new Map<string, IssuedCode>();
  private accessTokens = new Map<string, FakeAccount>();
  /** Every URL the Worker fetched, to prove nothing left for the network. */
  readonly requests: string[] = [];
  tamper: IdTokenTamper = {};
  /** GitHub's `/user/emails` answer per account id; defaults to the account's email as primary. */
  githubEmails = new Map<string, { email: string; primary: boolean; verified: boolean }[]>();

  private constructor(
    private key: CryptoKey,
    private otherKey: CryptoKey,
    private publicJwk: JWK,
  ) {}

  static async create(): Promise<FakeProviders> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    return new FakeProviders(privateKey, other.privateKey, jwk);
  }

  /**
   * The provider's consent screen: takes the authorization URL Ledge redirected to, checks it,
   * and returns where the provider would send the browser back (code + state, or an error).
   */
  consent(authorizationUrl: string, account: FakeAccount, opts: { deny?: boolean } = {}): string {
    const url = new URL(authorizationUrl);
    const provider = url.host === 'github.com' ? 'github' : url.origin === OIDC_ISSUER ? 'oidc' : null;
    if (!provider) throw new Error(`not a fake provider: ${url.origin}`);
    const expectedClient = provider === 'github' ? GITHUB.clientId : OIDC.clientId;
    if (url.searchParams.get('client_id') !== expectedClient) throw new Error('wrong client_id');
    if (url.searchParams.get('response_type') !== 'code') throw new Error('wrong response_type');
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const state = url.searchParams.get('state') ?? '';
    const back = new URL(redirectUri);
    back.searchParams.set('state', state);
    if (opts.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied the request');
      return back.toString();
    }
    const code = crypto.randomUUID();
    this.codes.set(code, {
      provider,
      account,
      redirectUri,
      codeChallenge: url.searchParams.get('code_challenge') ?? '',
      nonce: url.searchParams.get('nonce') ?? '',
    });
    back.searchParams.set('code', code);
    return back.toString();
  }

  /** Stands in for `fetch` inside the Worker. */
  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = await asRequest(input, init);
    const url = new URL(request.url);
    this.requests.push(`${request.method} ${url.origin}${url.pathname}`);
    if (url.origin === 'https://github.com' && url.pathname === '/login/oauth/access_token') return this.githubToken(request);
    if (url.origin === 'https://api.github.com') return this.githubApi(request, url.pathname);
    if (url.origin === OIDC_ISSUER) return this.oidc(request, url.pathname);
    throw new TypeError(`network access refused in tests: ${request.url}`);
  };

  private takeCode(code: string, provider: IssuedCode['provider']): IssuedCode | null {
    const issued = this.codes.get(code);
    this.codes.delete(code);
    return issued && issued.provider === provider ? issued : null;
  }

  private bearer(request: Request): FakeAccount | null {
    const header = request.headers.get('Authorization') ?? '';
    const token = header.replace(/^(Bearer|token) /i, '');
    return this.accessTokens.get(token) ?? null;
  }

  private async githubToken(request: Request): Promise<Response> {
    const form = await formOf(request);
    const client = basicAuth(request.headers.get('Authorization'));
    if (client?.id !== GITHUB.clientId || client.secret !== GITHUB.clientSecret) return json({ error: 'incorrect_client_credentials' });
    const issued = this.takeCode(form.get('code') ?? '', 'github');
    // GitHub answers 200 with an `error` field for a bad code.
    if (!issued || issued.redirectUri !== form.get('redirect_uri')) return json({ error: 'bad_verification_code' });
    const accessToken = `gho_${crypto.randomUUID()}`;
    this.accessTokens.set(accessToken, issued.account);
    return json({ access_token: accessToken, token_type: 'bearer', scope: 'user:email' });
  }

  private githubApi(request: Request, path: string): Response {
    const account = this.bearer(request);
    if (!account) return json({ message: 'Bad credentials' }, 401);
    if (path === '/user') return json({ id: Number(account.id), login: account.name.toLowerCase().replace(/\s+/g, ''), name: account.name, email: account.email });
    if (path === '/user/emails') {
      return json(this.githubEmails.get(account.id) ?? [{ email: account.email, primary: true, verified: account.emailVerified }]);
    }
    return json({ message: 'Not Found' }, 404);
  }

  private async oidc(request: Request, path: string): Promise<Response> {
    if (path === '/.well-known/openid-configuration') {
      return json({
        issuer: OIDC_ISSUER,
        authorization_endpoint: `${OIDC_ISSUER}/authorize`,
        token_endpoint: `${OIDC_ISSUER}/token`,
        userinfo_endpoint: `${OIDC_ISSUER}/userinfo`,
        jwks_uri: `${OIDC_ISSUER}/jwks`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (path === '/jwks') return json({ keys: [this.publicJwk] });
    if (path === '/userinfo') {
      const account = this.bearer(request);
      if (!account) return json({ error: 'invalid_token' }, 401);
      return json({ sub: account.id, email: account.email, email_verified: account.emailVerified, name: account.name });
    }
    if (path === '/token' && request.method === 'POST') return this.oidcToken(request);
    return json({ error: 'not_found' }, 404);
  }

  private async oidcToken(request: Request): Promise<Response> {
    const form = await formOf(request);
    const client = basicAuth(request.headers.get('Authorization'));
    if (client?.id !== OIDC.clientId || client.secret !== OIDC.clientSecret) return json({ error: 'invalid_client' }, 401);
    const issued = this.takeCode(form.get('code') ?? '', 'oidc');
    if (!issued || issued.redirectUri !== form.get('redirect_uri')) return json({ error: 'invalid_grant' }, 400);
    // PKCE: the verifier must hash to the challenge sent with the authorization request.
    if (!issued.codeChallenge || (await s256(form.get('code_verifier') ?? '')) !== issued.codeChallenge) {
      return json({ error: 'invalid_grant', error_description: 'PKCE verification failed' }, 400);
    }
    const accessToken = `at_${crypto.randomUUID()}`;
    this.accessTokens.set(accessToken, issued.account);
    const t = this.tamper;
    const now = Math.floor(Date.now() / 1000) - (t.expiredSecondsAgo ?? 0);
    const idToken = await new SignJWT({
      email: issued.account.email,
      email_verified: issued.account.emailVerified,
      name: issued.account.name,
      nonce: t.nonce ?? issued.nonce,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(t.issuer ?? OIDC_ISSUER)
      .setSubject(issued.account.id)
      .setAudience(t.audience ?? OIDC.clientId)
      .setIssuedAt(now - 5)
      .setExpirationTime(now + (t.expiredSecondsAgo ? 0 : 300))
      .sign(t.signWithOtherKey ? this.otherKey : this.key);
    return json({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt_${crypto.randomUUID()}`, id_token: idToken });
  }
}
