import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

/**
 * OpenID Connect pieces shared by Google, Apple and the generic `oidc` provider: discovery, and
 * ID token verification against the provider's published keys (signature, issuer, audience,
 * expiry and the nonce this sign-in sent).
 */

/** A provider answered with something other than what the protocol promises. */
export class ProviderResponseError extends Error {}

/** GET a JSON document from a provider; any non-2xx status or non-JSON body is a ProviderResponseError. */
export async function getJson<T = Record<string, unknown>>(url: string, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json', 'User-Agent': 'Ledge', ...headers } });
  } catch (err) {
    throw new ProviderResponseError(`request to ${new URL(url).host} failed: ${(err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ProviderResponseError(`${new URL(url).host} answered ${res.status}`);
  }
  try {
    return (await res.json()) as T;
  } catch {
    throw new ProviderResponseError(`${new URL(url).host} sent a body that is not JSON`);
  }
}

export interface OidcEndpoints {
  issuer: string;
  authorization: string;
  token: string;
  userinfo: string;
  jwks: string;
}

/** Reads `/.well-known/openid-configuration`; the document's issuer must be the one configured. */
export async function discover(wellKnownUrl: string, expectedIssuer: string): Promise<OidcEndpoints> {
  const doc = await getJson<Record<string, unknown>>(wellKnownUrl);
  const str = (key: string) => (typeof doc[key] === 'string' ? (doc[key] as string) : '');
  if (expectedIssuer && str('issuer') !== expectedIssuer) {
    throw new ProviderResponseError(`discovery issuer ${str('issuer')} is not ${expectedIssuer}`);
  }
  const endpoints = {
    issuer: str('issuer'),
    authorization: str('authorization_endpoint'),
    token: str('token_endpoint'),
    userinfo: str('userinfo_endpoint'),
    jwks: str('jwks_uri'),
  };
  if (!endpoints.issuer || !endpoints.authorization || !endpoints.token || !endpoints.jwks) {
    throw new ProviderResponseError('discovery document lacks issuer, authorization, token or jwks endpoints');
  }
  return endpoints;
}

/** Asymmetric algorithms only: a symmetric (HS*) token could be forged by anyone holding the client secret. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface IdTokenCheck {
  jwksUri: string;
  issuer: string | string[];
  audience: string;
  /** The nonce sent with the authorization request; the token must carry it back. */
  nonce: string;
}

/** The verified claims of `idToken`, or a ProviderResponseError saying what was wrong. */
export async function verifyIdToken(idToken: string, check: IdTokenCheck): Promise<JWTPayload> {
  const jwks = await getJson<JSONWebKeySet>(check.jwksUri);
  if (!jwks || !Array.isArray(jwks.keys)) throw new ProviderResponseError('JWKS document has no keys');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: check.issuer,
      audience: check.audience,
      algorithms: ID_TOKEN_ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: 60,
    }));
  } catch (err) {
    throw new ProviderResponseError(`invalid ID token: ${(err as Error).message}`);
  }
  if (check.nonce && payload.nonce !== check.nonce) throw new ProviderResponseError('invalid ID token: nonce mismatch');
  if (typeof payload.sub !== 'string' || !payload.sub) throw new ProviderResponseError('invalid ID token: no subject');
  return payload;
}

/** `email_verified` arrives as a boolean, or (Apple) as the string "true". */
export function claimTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
