import { asc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { consoleAdmins, sessions } from '../db/schema';
import { sha256Hex } from '../lib/crypto';
import { rawReader, uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { hashPassword } from '../lib/password';
import { keyPrincipal, type KeyPrincipal } from '../lib/principal';
import { consoleRealm, sessionOwner } from '../lib/realm';
import { ROOT_SCOPES } from '../lib/scopes';
import { nowDate } from '../lib/time';
import type { Authenticator } from '../middleware/principal';
import { sessionCredential } from './cookies';
import { noteVersion, versionStatement } from '../settings/cache';

/**
 * The admin realm's accounts (`console_admins`): who may sign in with project `console` and, in
 * admin mode, act on the one project with every scope. Passwords use the users' scheme
 * (lib/password) and sessions the users' store, filed under `sessionOwner(consoleRealm, id)`.
 */
export type AdminRow = typeof consoleAdmins.$inferSelect;

const adminReader = rawReader(consoleAdmins);

export async function createAdmin(db: D1Database, input: { id: string; email: string; password: string; name?: string }): Promise<AdminRow> {
  const now = nowDate();
  const stored = await hashPassword(input.password);
  try {
    const [row] = await drizzle(db)
      .insert(consoleAdmins)
      .values({ id: input.id, email: input.email.toLowerCase(), name: input.name ?? '', ...stored, passwordUpdate: now, createdAt: now, updatedAt: now })
      .returning();
    return row;
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('user_already_exists');
    throw err;
  }
}

export async function findAdminByEmail(db: D1Database, email: string): Promise<AdminRow | null> {
  return (await drizzle(db).select().from(consoleAdmins).where(eq(consoleAdmins.email, email.toLowerCase())).limit(1))[0] ?? null;
}

export async function listAdmins(db: D1Database): Promise<AdminRow[]> {
  return drizzle(db).select().from(consoleAdmins).orderBy(asc(consoleAdmins.seq));
}

export async function deleteAdmin(db: D1Database, id: string): Promise<void> {
  const d = drizzle(db);
  const [gone] = await d.batch([
    d.delete(consoleAdmins).where(eq(consoleAdmins.id, id)).returning({ id: consoleAdmins.id }),
    d.delete(sessions).where(eq(sessions.userId, sessionOwner(consoleRealm, id))),
  ]);
  if (!(gone as unknown[])[0]) throw new ApiError('user_not_found');
}

/** Appwrite's Account model for an admin (what `appwrite login` and `whoami` read). */
export function adminModel(row: AdminRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    name: row.name,
    registration: row.createdAt,
    status: row.status,
    labels: [],
    passwordUpdate: row.passwordUpdate ?? '',
    email: row.email,
    phone: '',
    emailVerification: true,
    phoneVerification: false,
    mfa: false,
    prefs: {},
    targets: [],
    accessedAt: row.accessedAt ?? '',
  };
}

export interface AdminCaller {
  admin: AdminRow;
  sessionId: string;
}

/**
 * The admin behind the request's `a_session_console` credential (cookie, `X-Appwrite-Session`,
 * `X-Fallback-Cookies`), checked in one D1 batch; null when there is none or it names no live
 * session. A blocked admin is `user_blocked`.
 */
export async function resolveAdmin(db: D1Database, headers: Headers): Promise<AdminCaller | null> {
  const cred = sessionCredential(headers, consoleRealm.id);
  if (!cred) return null;
  const [sessionRes, adminRes, versionRes] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT id FROM sessions WHERE secret_hash = ? AND user_id = ? AND expire > ? LIMIT 1')
      .bind(await sha256Hex(cred.secret), sessionOwner(consoleRealm, cred.id), nowDate()),
    db.prepare(`${adminReader.select} WHERE id = ? LIMIT 1`).bind(cred.id),
    versionStatement(db),
  ]);
  noteVersion(versionRes);
  const session = sessionRes.results[0];
  const raw = adminRes.results[0];
  if (!session || !raw) return null;
  const admin = adminReader.decode(raw);
  if (!admin.status) throw new ApiError('user_blocked');
  return { admin, sessionId: String(session.id) };
}

/** An admin acting on the project: every scope, like the root key, but named and origin-checked. */
export function adminPrincipal(adminId: string): KeyPrincipal {
  return { ...keyPrincipal(`console:${adminId}`, ROOT_SCOPES), adminId };
}

/**
 * Project requests in admin mode (`X-Appwrite-Mode: admin`, as appwrite-cli sends with its
 * console session): the signed-in admin acts on the project with every scope, as a console member
 * does on Appwrite. Without admin mode the console cookie is not a project credential.
 */
export const adminAuthenticator: Authenticator = async (c) => {
  if (c.req.header('X-Appwrite-Mode') !== 'admin') return null;
  const caller = await resolveAdmin(c.env.DB, c.req.raw.headers);
  return caller ? adminPrincipal(caller.admin.id) : null;
};
