import { and, eq, gt, inArray, lt } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { oauth2States } from '../../db/schema';
import { randomSecret, sha256Hex } from '../../lib/crypto';
import { toAppwriteDate } from '../../lib/time';
import { parseCookies } from '../../identity/cookies';

/**
 * OAuth2 sign-ins in flight. The `state` sent to the provider is a random 256-bit value; D1 keeps
 * its SHA-256 with the PKCE verifier, nonce, success/failure URLs and mode, and the callback
 * deletes the row as it reads it, so a state works once and only until it expires.
 *
 * A sign-in a browser starts is also tied to that browser by a random cookie, so an attacker
 * cannot send a victim a callback URL for the attacker's own provider account (login CSRF, and
 * worse: linking the attacker's provider account to the victim's signed-in account). A sign-in a
 * server starts for a browser (Appwrite's SSR pattern: `createOAuth2Token` through a server SDK
 * returns the provider URL) cannot be tied that way; it is "unbound" and may only sign in, never
 * link (see routes.ts).
 */
export type OAuth2StateRow = typeof oauth2States.$inferSelect;

/** Time allowed at the provider's login page (password, 2FA, consent). */
export const STATE_LIFETIME = 15 * 60;

export const bindingCookieName = (projectId: string) => `a_oauth2_${projectId}`;

/** Sent on callbacks only; the provider's redirect back is a top-level GET, so Lax reaches it. */
const BINDING_PATH = '/v1/account/sessions/oauth2';

export interface NewState {
  provider: string;
  mode: 'session' | 'token';
  success: string;
  failure: string;
  codeVerifier: string;
  nonce: string;
  /** The browser's binding value (see `browserBinding`), or null for a server-started sign-in. */
  binding: string | null;
}

/** Reuses the browser's binding cookie when it has one, so sign-ins in two tabs both complete. */
export function browserBinding(headers: Headers, projectId: string): string {
  const existing = parseCookies(headers.get('Cookie')).get(bindingCookieName(projectId));
  return existing && /^[0-9a-f]{64}$/.test(existing) ? existing : randomSecret(32);
}

export function bindingCookie(projectId: string, binding: string, secure: boolean): string {
  const parts = [`${bindingCookieName(projectId)}=${binding}`, `Max-Age=${STATE_LIFETIME}`, `Path=${BINDING_PATH}`, 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Stores a new sign-in and returns the `state` for the provider; expired rows are swept in the same batch. */
export async function createState(db: D1Database, input: NewState): Promise<string> {
  const state = randomSecret(32);
  const now = Date.now();
  const d = drizzle(db);
  await d.batch([
    d.delete(oauth2States).where(lt(oauth2States.expire, toAppwriteDate(now))),
    d.insert(oauth2States).values({
      id: await sha256Hex(state),
      provider: input.provider,
      mode: input.mode,
      success: input.success,
      failure: input.failure,
      codeVerifier: input.codeVerifier,
      nonce: input.nonce,
      bindingHash: input.binding === null ? '' : await sha256Hex(input.binding),
      expire: toAppwriteDate(now + STATE_LIFETIME * 1000),
      createdAt: toAppwriteDate(now),
    }),
  ]);
  return state;
}

/**
 * Uses up the live state for `provider` that is unbound or bound to this browser, or returns null
 * (unknown, used, expired, another provider's, or started in another browser). The DELETE is the
 * check, so a replayed callback finds nothing; a binding mismatch leaves the row for its browser.
 */
export async function consumeState(db: D1Database, state: string, provider: string, binding: string | undefined): Promise<OAuth2StateRow | null> {
  if (!state || state.length > 256) return null;
  const allowed = binding ? ['', await sha256Hex(binding)] : [''];
  const rows = await drizzle(db)
    .delete(oauth2States)
    .where(
      and(
        eq(oauth2States.id, await sha256Hex(state)),
        eq(oauth2States.provider, provider),
        inArray(oauth2States.bindingHash, allowed),
        gt(oauth2States.expire, toAppwriteDate(Date.now())),
      ),
    )
    .returning();
  return rows[0] ?? null;
}

/** Was the sign-in started (and so finished) in this very browser? */
export const isBound = (row: OAuth2StateRow) => row.bindingHash !== '';

export function bindingFrom(headers: Headers, projectId: string): string | undefined {
  return parseCookies(headers.get('Cookie')).get(bindingCookieName(projectId));
}
